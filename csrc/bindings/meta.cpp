// engine._native.<path>.build_meta: the meta-embedding projection (csrc/meta.hpp).
#include <cstddef>
#include <cstdint>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

// Lists are per source; projs[s] / fill_maps[t*S+s] may be None. Shapes checked in Python.
void build_meta(const KernelTable& k, const std::vector<f32>& rows,
                const std::vector<f32>& extras, const std::vector<i64>& idx,
                const std::vector<float>& scales, const std::vector<py::object>& projs,
                const std::vector<std::int64_t>& offsets, const std::vector<py::object>& fill_maps,
                f32& out, f32& norms, int n_threads, index_t block) {
    const std::size_t S = rows.size();
    std::vector<engine::MetaSource> src(S);
    std::vector<f32> keep;  // owns the projection arrays cast from py::object
    keep.reserve(S + fill_maps.size());
    for (std::size_t s = 0; s < S; ++s) {
        engine::MetaSource& m = src[s];
        m.rows = rows[s].data();
        m.n_rows = rows[s].shape(0);
        m.dim = rows[s].shape(1);
        m.extra = extras[s].data();
        m.n_extra = extras[s].shape(0);
        m.idx = idx[s].data();
        m.scale = scales[s];
        m.offset = offsets[s];
        m.width = m.dim;
        if (!projs[s].is_none()) {
            keep.push_back(projs[s].cast<f32>());
            m.proj = keep.back().data();
            m.width = keep.back().shape(1);
        }
    }
    std::vector<const float*> maps(fill_maps.size(), nullptr);
    for (std::size_t k = 0; k < fill_maps.size(); ++k)
        if (!fill_maps[k].is_none()) {
            keep.push_back(fill_maps[k].cast<f32>());
            maps[k] = keep.back().data();
        }
    float* o = out.mutable_data();
    float* nr = norms.mutable_data();
    const auto n = out.shape(0), d = out.shape(1);
    py::gil_scoped_release nogil;
    k.build_meta(src, maps, o, nr, n, d, block, n_threads);
}

}  // namespace

void bind_meta(py::module_& m, const KernelTable& k) {
    def_kernel(m, "build_meta", k, &build_meta, py::arg("rows"), py::arg("extras"),
               py::arg("idx"), py::arg("scales"), py::arg("projs"), py::arg("offsets"),
               py::arg("fill_maps"), py::arg("out"), py::arg("norms"), py::arg("n_threads"),
               py::arg("block") = engine::kMetaBlock);
}

}  // namespace engine::bindings
