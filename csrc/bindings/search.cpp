// engine._native.<path>.topk (csrc/topk.hpp), and its Scoring and TopKParams, bound once as
// classes whose defaults are the C++ default member initialisers: Python reads them, never
// repeats them.
#include <cstdint>
#include <string>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

using engine::search::Scoring;
using engine::search::TopKParams;

// Top-k rows X[lo:hi] for each query item; sgemm is the address of a Fortran BLAS sgemm
// (scipy's, from engine._kernels), whose own threading the caller limits to one, or 0 when
// every query block is small (no sgemm call then).
void topk(const KernelTable& kt, const f32& X, index_t lo, index_t hi, const f32& Q, index_t k,
          const i64& ex_ptr, const i64& ex_ids, const Scoring& scoring, std::uintptr_t sgemm,
          f32& out_scores, i64& out_ids, int n_threads, const TopKParams& params) {
    const auto d = X.shape(1);
    const float* x = X.data() + lo * d;
    const float* q = Q.data();
    const std::int64_t* ep = ex_ptr.data();
    const std::int64_t* ei = ex_ids.data();
    float* os = out_scores.mutable_data();
    std::int64_t* oi = out_ids.mutable_data();
    const auto nq = out_scores.shape(0);
    const auto gemm = reinterpret_cast<engine::search::sgemm_fn>(sgemm);
    py::gil_scoped_release nogil;
    kt.topk(x, hi - lo, d, q, nq, k, lo, ep, ei, scoring, gemm, os, oi, n_threads, params);
}

std::string repr(const Scoring& s) {
    return "Scoring(cosmul=" + std::string(s.cosmul ? "True" : "False") +
           ", n_pos=" + std::to_string(s.n_pos) + ", n_neg=" + std::to_string(s.n_neg) + ")";
}

std::string repr(const TopKParams& p) {
    return "TopKParams(small_batch=" + std::to_string(p.small_batch) +
           ", query_block=" + std::to_string(p.query_block) +
           ", row_tile=" + std::to_string(p.row_tile) +
           ", small_row_tile=" + std::to_string(p.small_row_tile) + ")";
}

}  // namespace

void bind_search_types(py::module_& m) {
    py::class_<Scoring>(m, "Scoring", "How an item's score is formed from its query columns.")
        .def(py::init<>())
        .def_readwrite("cosmul", &Scoring::cosmul,
                       "False: one column per item, the inner product; True: gensim's 3CosMul")
        .def_readwrite("n_pos", &Scoring::n_pos, "positive columns per item (3CosMul)")
        .def_readwrite("n_neg", &Scoring::n_neg, "negative columns per item (3CosMul)")
        .def("columns", &Scoring::columns, "query rows per item")
        .def("__repr__", py::overload_cast<const Scoring&>(&repr));
    py::class_<TopKParams>(m, "TopKParams", "Tile sizes of the top-k kernel (csrc/topk.hpp).")
        .def(py::init<>())
        .def_readwrite("small_batch", &TopKParams::small_batch,
                       "query blocks of at most this many vectors use SIMD dots, not sgemm")
        .def_readwrite("query_block", &TopKParams::query_block,
                       "query vectors per block on the sgemm path")
        .def_readwrite("row_tile", &TopKParams::row_tile, "matrix rows per sgemm call")
        .def_readwrite("small_row_tile", &TopKParams::small_row_tile,
                       "matrix rows per tile on the SIMD-dots path")
        .def("__repr__", py::overload_cast<const TopKParams&>(&repr));
}

void bind_search(py::module_& m, const KernelTable& k) {
    def_kernel(m, "topk", k, &topk, py::arg("X"), py::arg("lo"), py::arg("hi"), py::arg("Q"),
               py::arg("k"), py::arg("ex_ptr"), py::arg("ex_ids"), py::arg("scoring"),
               py::arg("sgemm"), py::arg("out_scores"), py::arg("out_ids"), py::arg("n_threads"),
               py::arg("params") = TopKParams());
}

}  // namespace engine::bindings
