// The one pybind11 binding file: engine._native.
// Python validates shapes, dtypes and contiguity before calling (engine/_kernels.py); these
// wrappers only unpack buffers and release the GIL around each kernel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "normalize.hpp"
// [search] includes

// [wmd] includes

// [meta] includes

// [classify] includes
#include "docvec.hpp"


namespace py = pybind11;
using f32 = py::array_t<float, py::array::c_style>;

namespace {

void normalize_rows(const f32& in, f32& out, f32& norms, int n_threads) {
    const auto n = in.shape(0), d = in.shape(1);
    const float* src = in.data();
    float* dst = out.mutable_data();
    float* nrm = norms.mutable_data();
    py::gil_scoped_release nogil;
    engine::normalize_rows(src, dst, nrm, n, d, n_threads);
}

// [search] wrappers

// [wmd] wrappers

// [meta] wrappers

// [classify] wrappers
// (type names prefixed so they cannot clash with another capability's wrappers)
using classify_i32 = py::array_t<std::int32_t, py::array::c_style>;
using classify_i64 = py::array_t<std::int64_t, py::array::c_style>;

void doc_vectors(const classify_i64& indptr, const classify_i32& ids, const f32& weights, const f32& emb,
                 const f32& comps, bool normalize, f32& out, f32& norms, int n_threads) {
    const auto n = indptr.shape(0) - 1, d = emb.shape(1), k = comps.shape(0);
    const std::int64_t* ip = indptr.data();
    const std::int32_t* id = ids.data();
    const float* w = weights.data();
    const float* e = emb.data();
    const float* c = comps.data();
    float* o = out.mutable_data();
    float* nr = norms.mutable_data();
    py::gil_scoped_release nogil;
    engine::doc_vectors(ip, id, w, n, e, d, c, k, normalize, o, nr, n_threads);
}

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "engine's C++ kernels. Call them through engine._kernels, which validates inputs.";
    m.def("normalize_rows", &normalize_rows, py::arg("src"), py::arg("out"), py::arg("norms"),
          py::arg("n_threads"));
    // [search] defs

    // [wmd] defs

    // [meta] defs

    // [classify] defs
    m.def("doc_vectors", &doc_vectors, py::arg("indptr"), py::arg("ids"), py::arg("weights"),
          py::arg("emb"), py::arg("comps"), py::arg("normalize"), py::arg("out"), py::arg("norms"),
          py::arg("n_threads"));

    m.def("max_threads", []() { return omp_get_max_threads(); });
}
