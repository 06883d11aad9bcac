// One compiled copy of every kernel, as a table of plain function pointers: one table per dispatch
// path, each defined by csrc/dispatch/<path>.cpp from the same kernel headers compiled for its
// instruction set. The bindings (csrc/bindings/) bind each table as a submodule of engine._native
// and engine/_kernels chooses one at import. The tables are constants: no state, no initializer
// that runs code.
#pragma once
#include <cstdint>
#include <vector>

#include "../ascii_vocab.hpp"
#include "../common.hpp"
#include "../lowp_types.hpp"
#include "../types.hpp"

namespace engine::dispatch {

struct KernelTable {
    const char* name;      // "baseline", "avx2", "avx512" or "spr" (a native build: "native")
    const char* requires;  // the CPU features it is compiled for, GCC's names, comma-separated
    const char* os_state;  // the register state the OS must save for it: "", "ymm", "zmm" or "amx"

    // csrc/normalize.hpp
    void (*normalize_rows)(const float* in, float* out, float* norms, index_t n, index_t d,
                           int n_threads);
    // csrc/topk.hpp
    void (*topk)(const float* X, index_t n, index_t d, const float* Q, index_t nq, index_t k,
                 index_t id_offset, const std::int64_t* ex_ptr, const std::int64_t* ex_ids,
                 const search::Scoring& scoring, search::sgemm_fn sgemm, float* out_scores,
                 std::int64_t* out_ids, int n_threads, const search::TopKParams& params);
    // csrc/scan_lowp.hpp: compressed copies of the unit matrix and the exact scan through them
    void (*lowp_compress)(int kind, const float* X, index_t n, index_t d, index_t dp, void* out,
                          float* scale, std::int32_t* rowsum, float* err, float* norm,
                          float* norm_copy, int n_threads);
    void (*lowp_topk)(const lowp::Copy& c, const float* X, index_t lo, index_t hi, const float* Q,
                      index_t nq, index_t k, const std::int64_t* ex_ptr,
                      const std::int64_t* ex_ids, bool amx, int fd, std::int64_t fd_offset,
                      float* out_scores, std::int64_t* out_ids, std::int64_t* n_rescored,
                      int n_threads);
    void (*lowp_rerank)(const lowp::Copy& c, const float* X, const float* Q, index_t nq,
                        const std::int64_t* ids, index_t m, index_t k, int fd,
                        std::int64_t fd_offset, float* out_scores, std::int64_t* out_ids,
                        std::int64_t* n_rescored, int n_threads);
    // csrc/emd.hpp and csrc/wmd.hpp
    double (*emd_cost)(const double* a, int m, const double* b, int n, const double* M,
                       int* status);
    double (*wmd_single)(const double* Xa, const std::int64_t* gid_a, const double* wa, int m,
                         const double* Xb, const std::int64_t* gid_b, const double* wb, int n,
                         std::int64_t dim, int method, const SinkhornParams& sp, int* status);
    double (*wmd_single_ids)(const float* unit, const float* norms, std::int64_t dim,
                             const std::int32_t* ids, const float* counts, int nnz, int split,
                             int method, const SinkhornParams& sp, int* status);
    void (*pair_costs)(const double* A, std::int64_t ra, const double* B, std::int64_t rb,
                       std::int64_t dim, double* D, int n_threads);
    void (*wmd_pairs)(const double* D, std::int64_t ldd, const DocsView& A, const DocsView& B,
                      const std::int64_t* ia, const std::int64_t* ib, std::int64_t npairs,
                      int method, const SinkhornParams& sp, double* out, int* status,
                      int n_threads);
    void (*wmd_zip)(const double* X, std::int64_t dim, const DocsView& A, const DocsView& B,
                    std::int64_t npairs, int method, const SinkhornParams& sp, double* out,
                    int* status, int n_threads);
    void (*wmd_bounds)(const double* Dq, std::int64_t V, const DocsView& Q, std::int64_t nq,
                       const DocsView& C, std::int64_t nc, const double* qcent,
                       const double* ccent, std::int64_t dim, double* wcd, double* rwmd,
                       double* ict, int n_threads);
    void (*wmd_knn)(const double* Dq, std::int64_t V, const DocsView& Q, std::int64_t nq,
                    const DocsView& C, std::int64_t nc, const double* qcent, const double* ccent,
                    std::int64_t dim, int k, bool use_ict, double* out_d, std::int64_t* out_i,
                    std::int64_t* n_exact, int* status, int n_threads);
    // csrc/meta.hpp
    void (*build_meta)(const std::vector<MetaSource>& src,
                       const std::vector<const float*>& fill_maps, float* out, float* norms,
                       index_t n, index_t d_out, index_t block, int n_threads);
    // csrc/docvec.hpp
    void (*doc_vectors)(const index_t* indptr, const std::int32_t* ids, const float* weights,
                        index_t n_docs, const float* emb, index_t d, const float* comps,
                        index_t n_comps, bool normalize, float* out, float* norms, int n_threads);
    void (*doc_scores)(const index_t* indptr, const std::int32_t* ids, const float* weights,
                       const float* word_weights, index_t n_docs, const float* emb, index_t d,
                       const float* comps, index_t n_comps, const float* labels,
                       index_t n_labels, double* scores, float* norms, int n_threads);
    // csrc/lda.hpp: the LDA E-step, float32 and float64 models
    void (*lda_infer_f32)(const float* word_topics, index_t K, const float* alpha,
                          const std::int64_t* indptr, const std::int32_t* ids, const float* counts,
                          index_t n_docs, float* gamma, std::int32_t* rounds, int iterations,
                          double threshold, int n_threads);
    void (*lda_infer_f64)(const double* word_topics, index_t K, const double* alpha,
                          const std::int64_t* indptr, const std::int32_t* ids, const double* counts,
                          index_t n_docs, double* gamma, std::int32_t* rounds, int iterations,
                          double threshold, int n_threads);
    // csrc/topic_measures.hpp
    void (*topic_pairwise)(topics::Measure m, const topics::Rows& a, const topics::Rows& b,
                           index_t K, double* out, int n_threads);
    void (*topic_pairs)(topics::Measure m, const topics::Rows& a, const topics::Rows& b, index_t K,
                        const std::int64_t* ia, const std::int64_t* ib, index_t n, double* out,
                        int n_threads);
    void (*topic_knn)(topics::Measure m, const topics::Rows& corpus, const topics::Rows& queries,
                      index_t K, index_t k, double* out_d, std::int64_t* out_i, int n_threads);
    // csrc/hnsw.hpp: k nearest by an HNSW graph FAISS built (tags: n_threads x n visited marks)
    void (*hnsw_search)(const HnswGraph& g, const float* Q, index_t nq, index_t k, index_t ef,
                        std::uint16_t* tags, std::uint16_t* gens, float* out_scores,
                        std::int64_t* out_ids, int n_threads);
    // csrc/ascii_encode.hpp
    std::vector<EncodedBlock> (*encode_ascii)(const AsciiVocab& vocab, const char* const* texts,
                                              const std::int64_t* lens, index_t n, bool lowercase,
                                              index_t block, int n_threads);
};

// The paths (csrc/dispatch/<name>.cpp). Which of them a build holds: compiled_paths().
extern const KernelTable baseline_table, avx2_table, avx512_table, spr_table, native_table;

// The paths compiled into this build, fastest first; the last one runs on any CPU of the
// architecture (a native build: the one path, for the build machine's CPU).
inline std::vector<const KernelTable*> compiled_paths() {
#if defined(ENGINE_NATIVE)
    return {&native_table};
#elif defined(__x86_64__)
    return {&spr_table, &avx512_table, &avx2_table, &baseline_table};
#else
    return {&baseline_table};
#endif
}

}  // namespace engine::dispatch
