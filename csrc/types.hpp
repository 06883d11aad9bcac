// The types that cross between engine's kernels and their bindings: parameters, views of the
// caller's arrays, results. Every dispatch path (csrc/dispatch/) takes the same ones, so they are
// compiled once, for the baseline, before any path's target options: nothing here may depend on
// an instruction set, and Python sees one class of each whichever path runs.
#pragma once
#include <cstdint>
#include <vector>

#include "common.hpp"

namespace engine {

namespace search {

// The Fortran BLAS sgemm signature (scipy.linalg.cython_blas): column-major, every argument by
// pointer, 32-bit integers.
using sgemm_fn = void (*)(const char*, const char*, const int*, const int*, const int*,
                          const float*, const float*, const int*, const float*, const int*,
                          const float*, float*, const int*);

// How the scores of one query item are formed from the tile's columns.
struct Scoring {
    // false: one column per item, the score is the inner product.
    // true: n_pos + n_neg columns per item, the score is gensim's 3CosMul
    //   prod_p (1 + s_p) / 2  /  (prod_n (1 + s_n) / 2 + 1e-6)   (in float32, as gensim)
    bool cosmul = false;
    int n_pos = 1;
    int n_neg = 0;
    int columns() const { return cosmul ? n_pos + n_neg : 1; }
};

// Tile sizes of the top-k kernel (csrc/topk.hpp).
struct TopKParams {
    index_t small_batch = 8;   // blocks of at most this many query vectors use dots_small
    index_t query_block = 256; // query vectors per block on the sgemm path
    index_t row_tile = 1024;   // matrix rows per sgemm call
    index_t small_row_tile = 4096;
};

}  // namespace search

// ---- EMD and WMD (csrc/emd.hpp, csrc/wmd.hpp) ----------------------------------------------------

enum EmdStatus : int { EMD_OPTIMAL = 0, EMD_MAX_ITER = 1 };

enum WmdMethod : int { WMD_EMD = 0, WMD_SINKHORN = 1 };

struct SinkhornParams {
    double reg = 0.01;
    int max_iter = 1000;
    double tol = 1e-9;
};

// A batch of bags of words in CSR form: document d's entries are ptr[d] .. ptr[d+1], each with
// its row (or column) `loc` in the batch cost matrix, its global word id `gid` (only for gensim's
// "same single word" rule) and its weight `w` (count / length, summing to 1).
struct DocsView {
    const std::int64_t* ptr;
    const std::int32_t* loc;
    const std::int64_t* gid;
    const double* w;
    std::int64_t size(std::int64_t d) const { return ptr[d + 1] - ptr[d]; }
};

// ---- meta-embeddings (csrc/meta.hpp) -------------------------------------------------------------

struct MetaSource {
    const float* rows = nullptr;    // n_rows x dim, row-major
    index_t n_rows = 0;
    index_t dim = 0;
    const float* extra = nullptr;   // n_extra x dim: precomputed vectors for idx <= -2
    index_t n_extra = 0;
    const std::int64_t* idx = nullptr;  // one per output row
    float scale = 1.0f;             // sqrt(weight)
    const float* proj = nullptr;    // dim x width, row-major; nullptr = identity (width = dim)
    index_t width = 0;
    index_t offset = 0;             // first output column of this source's slot
};

// Output rows per block, the default of build_meta's `block`: a thread builds one block at a
// time; a multiple of the register block's rows (checked in csrc/meta.hpp).
constexpr index_t kMetaBlock = 240;

// ---- an HNSW graph FAISS built (csrc/hnsw.hpp) ---------------------------------------------------

// Views of faiss::HNSW's arrays for the upper levels: node v's neighbours at level l >= 1 are
// neighbors[offsets[v] + cum_nneighbor_per_level[l] .. offsets[v] + cum_nneighbor_per_level[l + 1]),
// -1 after the last. Level 0 is engine's packed copy (hnswlib's layout, so one expansion touches
// one block per neighbour): node v's block starts at blocks + v * stride floats (64-byte aligned)
// and holds its row (d floats), then, as int32, its number of level-0 neighbours and their ids
// (engine/_kernels/hnsw.py, hnsw_pack, writes it).
struct HnswGraph {
    const std::int32_t* neighbors;
    const std::uint64_t* offsets;
    const std::int32_t* cum_nneighbor_per_level;
    std::int32_t entry_point;
    int max_level;
    index_t n;
    const float* blocks;
    index_t stride;  // floats per block
    index_t d;
    const float* row(std::int32_t v) const { return blocks + static_cast<index_t>(v) * stride; }
    // [count, id_1 .. id_count]
    const std::int32_t* links(std::int32_t v) const {
        return reinterpret_cast<const std::int32_t*>(row(v) + d);
    }
};

// ---- topic distributions (csrc/topic_measures.hpp) -------------------------------------------------

namespace topics {

enum class Measure : int { hellinger = 0, jensen_shannon = 1, symmetric_kl = 2, cosine = 3 };

// A matrix of prepared rows (csrc/topic_measures.hpp); aux is null for the measures that need none.
struct Rows {
    const double* x;
    const double* aux;
    index_t n;
};

}  // namespace topics

// ---- the ASCII tokenizer (csrc/ascii_encode.hpp) -------------------------------------------------

// One block of documents encoded by one thread.
struct EncodedBlock {
    std::vector<std::int64_t> lengths;  // distinct known ids per document
    std::vector<std::int32_t> ids;
    std::vector<float> counts;
    std::vector<std::int64_t> n_tokens;
};

}  // namespace engine
