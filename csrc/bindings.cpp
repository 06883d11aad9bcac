// The one pybind11 binding file: engine._native.
// Python validates shapes, dtypes and contiguity before calling (engine/_kernels.py); these
// wrappers only unpack buffers and release the GIL around each kernel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "normalize.hpp"
// [search] includes
#include "topk.hpp"

// [wmd] includes

// [meta] includes
#include <cstdint>
#include <vector>
#include <pybind11/stl.h>
#include "meta.hpp"

// [classify] includes


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
using topk_i64 = py::array_t<std::int64_t, py::array::c_style>;  // [search]-only name: avoids clashes

// Top-k rows X[lo:hi] for each query item (see topk.hpp); sgemm is the address of a Fortran
// BLAS sgemm (scipy's, from engine._kernels), whose own threading the caller limits to one.
void topk(const f32& X, engine::index_t lo, engine::index_t hi, const f32& Q, engine::index_t k,
          const topk_i64& ex_ptr, const topk_i64& ex_ids, bool cosmul, int n_pos, int n_neg,
          std::uintptr_t sgemm, f32& out_scores, topk_i64& out_ids, int n_threads,
          engine::index_t small_batch, engine::index_t query_block, engine::index_t row_tile) {
    engine::search::Scoring sc;
    sc.cosmul = cosmul;
    sc.n_pos = n_pos;
    sc.n_neg = n_neg;
    engine::search::TopKParams prm;
    prm.small_batch = small_batch;
    prm.query_block = query_block;
    prm.row_tile = row_tile;
    const auto d = X.shape(1);
    const float* x = X.data() + lo * d;
    const float* q = Q.data();
    const std::int64_t* ep = ex_ptr.data();
    const std::int64_t* ei = ex_ids.data();
    float* os = out_scores.mutable_data();
    std::int64_t* oi = out_ids.mutable_data();
    const auto nq = out_scores.shape(0);
    py::gil_scoped_release nogil;
    engine::search::topk(x, hi - lo, d, q, nq, k, lo, ep, ei, sc, reinterpret_cast<engine::search::sgemm_fn>(sgemm),
                 os, oi, n_threads, prm);
}

// [wmd] wrappers

// [meta] wrappers
using i64 = py::array_t<std::int64_t, py::array::c_style>;

// Lists are per source; projs[s] / fill_maps[t*S+s] may be None. Shapes checked in Python.
void build_meta(const std::vector<f32>& rows, const std::vector<f32>& extras,
                const std::vector<i64>& idx, const std::vector<float>& scales,
                const std::vector<py::object>& projs, const std::vector<std::int64_t>& offsets,
                const std::vector<py::object>& fill_maps, f32& out, f32& norms,
                std::int64_t block, int n_threads) {
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
    engine::build_meta(src, maps, o, nr, n, d, block, n_threads);
}

// [classify] wrappers

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "engine's C++ kernels. Call them through engine._kernels, which validates inputs.";
    m.def("normalize_rows", &normalize_rows, py::arg("src"), py::arg("out"), py::arg("norms"),
          py::arg("n_threads"));
    // [search] defs
    m.def("topk", &topk, py::arg("X"), py::arg("lo"), py::arg("hi"), py::arg("Q"), py::arg("k"),
          py::arg("ex_ptr"), py::arg("ex_ids"), py::arg("cosmul"), py::arg("n_pos"), py::arg("n_neg"),
          py::arg("sgemm"), py::arg("out_scores"), py::arg("out_ids"), py::arg("n_threads"),
          py::arg("small_batch"), py::arg("query_block"), py::arg("row_tile"));

    // [wmd] defs

    // [meta] defs
    m.def("build_meta", &build_meta, py::arg("rows"), py::arg("extras"), py::arg("idx"),
          py::arg("scales"), py::arg("projs"), py::arg("offsets"), py::arg("fill_maps"),
          py::arg("out"), py::arg("norms"), py::arg("block"), py::arg("n_threads"));

    // [classify] defs

    m.def("max_threads", []() { return omp_get_max_threads(); });
}
