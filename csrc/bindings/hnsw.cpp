// engine._native.<path>.hnsw_search (csrc/hnsw.hpp): the k nearest rows by an HNSW graph that
// FAISS built, its arrays read in place (engine/index/hnsw_graph.py passes them).
#include <cstdint>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

using u16 = carray<std::uint16_t>;
using u64 = carray<std::uint64_t>;

// neighbors / offsets / cum: faiss::HNSW's arrays (the upper levels); blocks: engine's packed
// level 0 (n x stride floats, each row's first d the row); Q: nq x d; tags (n_threads x n) and
// gens (n_threads): the caller's visited marks, kept between calls. engine/_kernels/hnsw.py
// checks the shapes.
void hnsw_search(const KernelTable& kt, const i32& neighbors, const u64& offsets, const i32& cum,
                 std::int32_t entry_point, int max_level, const f32& blocks, index_t d, const f32& Q,
                 index_t k, index_t ef, u16& tags, u16& gens, f32& out_scores, i64& out_ids,
                 int n_threads) {
    HnswGraph g{neighbors.data(), offsets.data(), cum.data(), entry_point, max_level,
                blocks.shape(0),  blocks.data(),  blocks.shape(1), d};
    const float* q = Q.data();
    std::uint16_t* t = tags.mutable_data();
    std::uint16_t* gen = gens.mutable_data();
    float* os = out_scores.mutable_data();
    std::int64_t* oi = out_ids.mutable_data();
    const index_t nq = Q.shape(0);
    py::gil_scoped_release nogil;
    kt.hnsw_search(g, q, nq, k, ef, t, gen, os, oi, n_threads);
}

}  // namespace

void bind_hnsw(py::module_& m, const KernelTable& k) {
    def_kernel(m, "hnsw_search", k, &hnsw_search, py::arg("neighbors"), py::arg("offsets"),
               py::arg("cum"), py::arg("entry_point"), py::arg("max_level"), py::arg("blocks"),
               py::arg("d"), py::arg("Q"), py::arg("k"), py::arg("ef"), py::arg("tags"), py::arg("gens"),
               py::arg("out_scores"), py::arg("out_ids"), py::arg("n_threads"));
}

}  // namespace engine::bindings
