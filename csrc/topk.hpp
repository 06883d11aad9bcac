// Exact top-k by inner product (and by the 3CosMul combination of several inner products) of
// many queries against an N x D row-major float32 matrix.
//
// The work is split by rows: the OpenMP threads take tiles of rows in turn and the matrix
// streams through once per block of queries. A tile of scores (tile rows x block
// queries) is computed by a single-threaded sgemm call (the caller passes scipy's BLAS sgemm as
// a function pointer; its own threads must be limited to one by the caller) or, for blocks of a
// few queries where the work is a memory-bound matrix-vector product, by our own SIMD dot
// products. Each thread keeps a bounded heap per query and scans the tile for scores above the
// heap's current k-th best, so the Q x N score matrix never exists. The per-thread heaps are
// merged at the end of each query block.
//
// Order: descending score, exact ties by ascending row. This is a total order on (score, row),
// so the result does not depend on the thread count or the tiling.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "common.hpp"
#include "types.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// GCC 12's _mm512_reduce_add_ps reads an "undefined" register on purpose; silence its false
// -Wmaybe-uninitialized for this header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// Everything lives in engine::search, so that other kernels' helper names cannot clash.
namespace engine {
namespace search {
ENGINE_ISA_BEGIN

struct Hit {
    float score;
    index_t id;
};

// a ranks before b: higher score, then lower row
inline bool ranks_before(const Hit& a, const Hit& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
}

// The best k hits seen so far, kept as a heap whose front is the worst of them.
class TopK {
  public:
    TopK(Hit* storage, index_t k) : h_(storage), k_(k) {}
    index_t size() const { return n_; }
    // Scores must beat this to enter (rows are offered in increasing order within a thread, so
    // an equal score never wins against an earlier row).
    float threshold() const {
        return n_ < k_ ? -std::numeric_limits<float>::infinity() : h_[0].score;
    }
    void offer(float s, index_t id) {
        const Hit x{s, id};
        if (n_ < k_) {
            h_[n_++] = x;
            std::push_heap(h_, h_ + n_, ranks_before);
        } else if (ranks_before(x, h_[0])) {
            std::pop_heap(h_, h_ + n_, ranks_before);
            h_[n_ - 1] = x;
            std::push_heap(h_, h_ + n_, ranks_before);
        }
    }

  private:
    Hit* h_;
    index_t k_;
    index_t n_ = 0;
};

// Rows excluded for one query: a sorted range of global row ids.
struct Exclusion {
    const std::int64_t* begin = nullptr;
    const std::int64_t* end = nullptr;
    bool contains(index_t id) const { return begin != end && std::binary_search(begin, end, id); }
};

// Offer scores s[0..len) (rows base..base+len) to the heap.
inline void scan_scores(const float* s, index_t len, index_t base, TopK& top, const Exclusion& ex) {
    float thr = top.threshold();
    index_t i = 0;
#if defined(ENGINE_AVX512)
    for (; i + 16 <= len; i += 16) {
        __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(s + i), _mm512_set1_ps(thr), _CMP_GT_OQ);
        while (m) {
            const int b = __builtin_ctz(m);
            m &= static_cast<__mmask16>(m - 1);
            const index_t id = base + i + b;
            if (s[i + b] > thr && !ex.contains(id)) {
                top.offer(s[i + b], id);
                thr = top.threshold();
            }
        }
    }
#endif
    for (; i < len; ++i) {
        if (s[i] > thr) {
            const index_t id = base + i;
            if (!ex.contains(id)) {
                top.offer(s[i], id);
                thr = top.threshold();
            }
        }
    }
}

#if defined(ENGINE_AVX512)
inline float dot_avx512(const float* a, const float* b, index_t d) {
    __m512 acc = _mm512_setzero_ps();
    index_t t = 0;
    for (; t + 16 <= d; t += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + t), _mm512_loadu_ps(b + t), acc);
    if (t < d) {
        const __mmask16 m = static_cast<__mmask16>((1u << (d - t)) - 1);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + t), _mm512_maskz_loadu_ps(m, b + t), acc);
    }
    return _mm512_reduce_add_ps(acc);
}
#endif

#if !defined(ENGINE_AVX512)
// <a, b> in one fixed order wherever it is inlined (8 lanes, then a fixed tree): the compressed
// scans (csrc/scan_lowp.hpp) re-score their candidates with it and must get these very bits, which
// a compiler-vectorised reduction (free to reorder) would not promise.
inline float dot_fixed(const float* a, const float* b, index_t d) {
    index_t t = 0;
#if defined(ENGINE_PATH_AVX2) || defined(__AVX2__)
    __m256 acc = _mm256_setzero_ps();
    for (; t + 8 <= d; t += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t), acc);
    alignas(32) float l[8];
    _mm256_store_ps(l, acc);
#elif defined(__SSE2__)
    __m128 a0 = _mm_setzero_ps(), a1 = _mm_setzero_ps();
    for (; t + 8 <= d; t += 8) {
        a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_loadu_ps(a + t), _mm_loadu_ps(b + t)));
        a1 = _mm_add_ps(a1, _mm_mul_ps(_mm_loadu_ps(a + t + 4), _mm_loadu_ps(b + t + 4)));
    }
    alignas(16) float l[8];
    _mm_store_ps(l, a0);
    _mm_store_ps(l + 4, a1);
#else
    volatile float l[8] = {};  // volatile: no contraction or reordering across the lanes
    for (; t + 8 <= d; t += 8)
        for (int i = 0; i < 8; ++i) l[i] = l[i] + a[t + i] * b[t + i];
#endif
    float tail = 0.f;
    for (; t < d; ++t) tail = tail + a[t] * b[t];
    return ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7])) + tail;
}
#endif

// C[j * ldc + r] = <X[r], Q[j]> for r < rows, j < nq: the memory-bound case (few queries), where
// each row is read from memory once and used for every query while it sits in L1.
inline void dots_small(const float* X, index_t rows, index_t d, const float* Q, index_t nq, float* C,
                       index_t ldc) {
#if defined(ENGINE_AVX512)
    index_t r = 0;
    const index_t full = d / 16 * 16;
    const __mmask16 tail = static_cast<__mmask16>((1u << (d - full)) - 1);
    for (; r + 4 <= rows; r += 4) {
        const float* x0 = X + r * d;
        const float* x1 = x0 + d;
        const float* x2 = x1 + d;
        const float* x3 = x2 + d;
        for (index_t j = 0; j < nq; ++j) {
            const float* q = Q + j * d;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
            __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
            for (index_t t = 0; t < full; t += 16) {
                const __m512 qv = _mm512_loadu_ps(q + t);
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x0 + t), qv, a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x1 + t), qv, a1);
                a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x2 + t), qv, a2);
                a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x3 + t), qv, a3);
            }
            if (tail) {
                const __m512 qv = _mm512_maskz_loadu_ps(tail, q + full);
                a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, x0 + full), qv, a0);
                a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, x1 + full), qv, a1);
                a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, x2 + full), qv, a2);
                a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, x3 + full), qv, a3);
            }
            float* c = C + j * ldc + r;
            c[0] = _mm512_reduce_add_ps(a0);
            c[1] = _mm512_reduce_add_ps(a1);
            c[2] = _mm512_reduce_add_ps(a2);
            c[3] = _mm512_reduce_add_ps(a3);
        }
    }
    for (; r < rows; ++r)
        for (index_t j = 0; j < nq; ++j) C[j * ldc + r] = dot_avx512(X + r * d, Q + j * d, d);
#else
    for (index_t r = 0; r < rows; ++r)
        for (index_t j = 0; j < nq; ++j) C[j * ldc + r] = dot_fixed(X + r * d, Q + j * d, d);
#endif
}

// Top k rows of X (n x d, row-major; row r has global id id_offset + r) for each of nq items.
// Q holds nq * scoring.columns() query vectors (row-major, d columns). Exclusions, if ex_ptr is
// not null, are CSR: the sorted global ids ex_ids[ex_ptr[i] .. ex_ptr[i+1]) are skipped for item
// i. Results: out_scores / out_ids (nq x k), best first; when fewer than k rows remain, the
// rest is padded with id -1 and score -inf. sgemm may be null only if every block is small.
inline void topk(const float* X, index_t n, index_t d, const float* Q, index_t nq, index_t k,
                 index_t id_offset, const std::int64_t* ex_ptr, const std::int64_t* ex_ids,
                 const Scoring& scoring, sgemm_fn sgemm, float* out_scores, std::int64_t* out_ids,
                 int n_threads, const TopKParams& prm = TopKParams()) {
    if (nq <= 0 || k <= 0) return;
    const index_t cols = scoring.columns();
    const bool small = nq * cols <= prm.small_batch;
    const index_t tile = small ? prm.small_row_tile : prm.row_tile;
    const index_t n_tiles = (n + tile - 1) / tile;
    const int T = static_cast<int>(std::max<index_t>(1, std::min<index_t>(resolve_threads(n_threads), n_tiles)));
    // Per-thread heaps hold T * items * k hits: cap them near 64 MiB when k is very large.
    const index_t max_items = std::max<index_t>(1, (index_t{1} << 22) / (static_cast<index_t>(T) * k));
    const index_t items_per_block =
        small ? nq : std::min(max_items, std::max<index_t>(1, prm.query_block / cols));
    const index_t vec_per_block = items_per_block * cols;

    std::vector<Hit> cand(static_cast<size_t>(T) * items_per_block * k);
    std::vector<index_t> cand_n(static_cast<size_t>(T) * items_per_block);

#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num();
        std::vector<float> C(static_cast<size_t>(tile) * vec_per_block);
        std::vector<float> combined(scoring.cosmul ? tile : 0);
        std::vector<TopK> heaps;
        heaps.reserve(items_per_block);

        for (index_t i0 = 0; i0 < nq; i0 += items_per_block) {
            const index_t bi = std::min(items_per_block, nq - i0);
            const index_t bv = bi * cols;
            const float* Qb = Q + i0 * cols * d;
            heaps.clear();
            for (index_t j = 0; j < bi; ++j)
                heaps.emplace_back(cand.data() + (static_cast<size_t>(t) * items_per_block + j) * k, k);

            // Tiles are handed out in increasing order, so each thread offers its rows in
            // increasing order (what TopK::threshold relies on); dynamic, so that a thread
            // slowed down by others on the machine does not hold up the rest.
#pragma omp for schedule(dynamic, 1) nowait
            for (index_t ti = 0; ti < n_tiles; ++ti) {
                const index_t r = ti * tile;
                const index_t rows = std::min(tile, n - r);
                const float* Xt = X + r * d;
                if (small) {
                    dots_small(Xt, rows, d, Qb, bv, C.data(), tile);
                } else {
                    // column-major C (rows x bv, ldc = tile) = Xt (rows x d) * Qb^T (d x bv)
                    const int m = static_cast<int>(rows), nn = static_cast<int>(bv), kk = static_cast<int>(d);
                    const int lda = static_cast<int>(d), ldc = static_cast<int>(tile);
                    const float one = 1.f, zero = 0.f;
                    sgemm("T", "N", &m, &nn, &kk, &one, Xt, &lda, Qb, &lda, &zero, C.data(), &ldc);
                }
                for (index_t j = 0; j < bi; ++j) {
                    Exclusion ex;
                    if (ex_ptr) {
                        ex.begin = ex_ids + ex_ptr[i0 + j];
                        ex.end = ex_ids + ex_ptr[i0 + j + 1];
                    }
                    const float* s = C.data() + j * cols * tile;
                    if (scoring.cosmul) {
                        float* out = combined.data();
                        for (index_t q = 0; q < rows; ++q) {
                            float num = (1.f + s[q]) / 2.f;
                            for (int p = 1; p < scoring.n_pos; ++p) num *= (1.f + s[p * tile + q]) / 2.f;
                            float den = 1.f;
                            for (int p = 0; p < scoring.n_neg; ++p)
                                den *= (1.f + s[(scoring.n_pos + p) * tile + q]) / 2.f;
                            out[q] = num / (den + 1e-6f);
                        }
                        s = out;
                    }
                    scan_scores(s, rows, id_offset + r, heaps[j], ex);
                }
            }
            for (index_t j = 0; j < bi; ++j)
                cand_n[static_cast<size_t>(t) * items_per_block + j] = heaps[j].size();

#pragma omp barrier
#pragma omp for schedule(static)
            for (index_t j = 0; j < bi; ++j) {
                std::vector<Hit> all;
                all.reserve(static_cast<size_t>(T) * k);
                for (int u = 0; u < T; ++u) {
                    const Hit* h = cand.data() + (static_cast<size_t>(u) * items_per_block + j) * k;
                    all.insert(all.end(), h, h + cand_n[static_cast<size_t>(u) * items_per_block + j]);
                }
                const index_t got = std::min<index_t>(k, static_cast<index_t>(all.size()));
                std::partial_sort(all.begin(), all.begin() + got, all.end(), ranks_before);
                float* os = out_scores + (i0 + j) * k;
                std::int64_t* oi = out_ids + (i0 + j) * k;
                for (index_t c = 0; c < k; ++c) {
                    os[c] = c < got ? all[c].score : -std::numeric_limits<float>::infinity();
                    oi[c] = c < got ? all[c].id : -1;
                }
            }
            // (the implicit barrier of `omp for` keeps cand intact until every merge is done)
        }
    }
}

ENGINE_ISA_END
}  // namespace search
}  // namespace engine

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
