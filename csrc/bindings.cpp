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
using i64 = py::array_t<std::int64_t, py::array::c_style>;

// Top-k rows X[lo:hi] for each query item (see topk.hpp); sgemm is the address of a Fortran
// BLAS sgemm (scipy's, from engine._kernels), whose own threading the caller limits to one.
void topk(const f32& X, engine::index_t lo, engine::index_t hi, const f32& Q, engine::index_t k,
          const i64& ex_ptr, const i64& ex_ids, bool cosmul, int n_pos, int n_neg,
          std::uintptr_t sgemm, f32& out_scores, i64& out_ids, int n_threads,
          engine::index_t small_batch, engine::index_t query_block, engine::index_t row_tile) {
    engine::Scoring sc;
    sc.cosmul = cosmul;
    sc.n_pos = n_pos;
    sc.n_neg = n_neg;
    engine::TopKParams prm;
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
    engine::topk(x, hi - lo, d, q, nq, k, lo, ep, ei, sc, reinterpret_cast<engine::sgemm_fn>(sgemm),
                 os, oi, n_threads, prm);
}

// [wmd] wrappers

// [meta] wrappers

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

    // [classify] defs

    m.def("max_threads", []() { return omp_get_max_threads(); });
}
