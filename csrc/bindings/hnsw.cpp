// engine._native.<path>.hnsw_search (csrc/hnsw.hpp): the k nearest rows by an HNSW graph that
// FAISS built, its arrays read in place (engine/index/hnsw_graph.py passes them).
#include <cstdint>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

using u32 = carray<std::uint32_t>;
using u64 = carray<std::uint64_t>;

// neighbors / offsets / cum: faiss::HNSW's arrays; X: the rows it indexes (n x d); Q: nq x d;
// tags (n_threads x n) and gens (n_threads): the caller's visited marks, kept between calls.
void hnsw_search(const KernelTable& kt, const i32& neighbors, const u64& offsets, const i32& cum,
                 std::int32_t entry_point, int max_level, const f32& X, const f32& Q, index_t k,
                 index_t ef, u32& tags, u32& gens, f32& out_scores, i64& out_ids, int n_threads) {
    HnswGraph g{neighbors.data(), offsets.data(), cum.data(), entry_point, max_level, X.shape(0)};
    const float* x = X.data();
    const float* q = Q.data();
    std::uint32_t* t = tags.mutable_data();
    std::uint32_t* gen = gens.mutable_data();
    float* os = out_scores.mutable_data();
    std::int64_t* oi = out_ids.mutable_data();
    const index_t d = X.shape(1), nq = Q.shape(0);
    py::gil_scoped_release nogil;
    kt.hnsw_search(g, x, d, q, nq, k, ef, t, gen, os, oi, n_threads);
}

}  // namespace

void bind_hnsw(py::module_& m, const KernelTable& k) {
    def_kernel(m, "hnsw_search", k, &hnsw_search, py::arg("neighbors"), py::arg("offsets"),
               py::arg("cum"), py::arg("entry_point"), py::arg("max_level"), py::arg("X"),
               py::arg("Q"), py::arg("k"), py::arg("ef"), py::arg("tags"), py::arg("gens"),
               py::arg("out_scores"), py::arg("out_ids"), py::arg("n_threads"));
}

}  // namespace engine::bindings
