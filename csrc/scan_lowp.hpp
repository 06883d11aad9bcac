// Exact top-k through a compressed copy of the unit matrix (csrc/lowp_types.hpp: bf16, or int8
// with a per-row scale): a scan of the copy fused with a certified candidate selection, then a
// float32 re-score of the candidates with the float32 kernel's own dot product (csrc/topk.hpp's
// dots_small). The result is the float32 kernel's top-k: ids, order (ties by ascending row) and
// float32 scores. engine/compressed.py proves the bound; in short, for query q and row x,
//   |s(q, x) - s~(q, x)| <= E(q)
// where s is the float32 kernel's score, s~ the compressed scan's and E(q) (half of `margin`
// below) depends on the query and the copy's stored maxima only. Each thread keeps, per query, the
// k best compressed scores seen (threshold thr) and every row with s~ >= thr - 2E (the
// candidates): a row below that has k rows whose float32 scores are strictly higher, so it cannot
// be in the top k. Q x N scores are never materialised: a tile of 16 or 32 rows is scored for a
// group of queries, scanned, and dropped.
//
// Score kernels by path: spr: vdpbf16ps / vpdpbusd over 16-row slabs for a few queries, AMX
// (tdpbf16ps / tdpbssd, 32 queries x 32 rows per tile step) for batches; avx2 and avx512: bf16
// widened to float32 and FMA, int8 by vpmaddubsw on |q| and sign-moved rows; baseline: scalar.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "common.hpp"
#include "lowp_copy.hpp"
#include "lowp_scores.hpp"
#include "topk.hpp"

// GCC 12's _mm512_slli_epi32 / _mm512_cvtepi32_ps read an "undefined" register on purpose (as
// csrc/topk.hpp notes): silence its false -Wmaybe-uninitialized for this header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace engine {
namespace lowp {
ENGINE_ISA_BEGIN

using search::Exclusion;
using search::Hit;
using search::ranks_before;
using search::TopK;

// ---- the fused selection ------------------------------------------------------------------------

// One query's state in one thread: the k best compressed scores, the candidates, the cut.
struct Select {
    TopK heap;
    std::vector<Hit>* cand;
    Exclusion ex;
    float margin, thr = -kInf, cut = -kInf;
    Select(Hit* storage, index_t k, std::vector<Hit>* c, Exclusion e, float m)
        : heap(storage, k), cand(c), ex(e), margin(m) {}
    void refresh() {
        thr = heap.threshold();
        cut = thr == -kInf ? -kInf : float_down(double(thr) - double(margin));
    }
    // rows base .. base + 16 with scores s; only rows in [lo, hi) count
    void scan16(const float* s, index_t base, index_t lo, index_t hi) {
        std::uint32_t m = 0;
#if defined(ENGINE_AVX512)
        m = _mm512_cmp_ps_mask(_mm512_loadu_ps(s), _mm512_set1_ps(cut), _CMP_GE_OQ);
#else
        for (int l = 0; l < 16; ++l) m |= std::uint32_t(s[l] >= cut) << l;
#endif
        if (base < lo) m &= ~0u << std::min<index_t>(16, lo - base) & 0xffffu;
        if (base + 16 > hi) m &= hi > base ? (1u << (hi - base)) - 1u : 0u;
        while (m) {
            const int b = __builtin_ctz(m);
            m &= m - 1;
            const index_t id = base + b;
            if (s[b] < cut || ex.contains(id)) continue;  // the cut may have risen
            cand->push_back({s[b], id});
            if (s[b] > thr) {
                heap.offer(s[b], id);
                refresh();
            }
        }
    }
};

// Where the float32 rows are read for the re-score: the matrix in memory, or (fd >= 0) the file
// it is mapped from, by pread: a memory-mapped matrix then never enters the resident set for
// the few scattered rows a re-rank reads (each page fault would map a whole page-cache folio).
struct Rows32 {
    const float* X;
    index_t d;
    int fd = -1;
    std::int64_t offset = 0;  // bytes from the file's start to row 0
};

// The float32 kernel's own score of row `id` for query q (csrc/topk.hpp: the same arithmetic as
// its small-batch path, so the re-scored values are the float32 kernel's, bit for bit).
inline float score32(const Rows32& R, index_t id, const float* q, float* buf) {
    const float* x = R.X + id * R.d;
#if defined(__unix__) || defined(__APPLE__)
    if (R.fd >= 0) {
        const size_t want = static_cast<size_t>(R.d) * sizeof(float);
        size_t got = 0;
        const std::int64_t at = R.offset + static_cast<std::int64_t>(id) * static_cast<std::int64_t>(want);
        while (got < want) {
            const ssize_t r = pread(R.fd, reinterpret_cast<char*>(buf) + got, want - got, at + static_cast<std::int64_t>(got));
            if (r <= 0) break;
            got += static_cast<size_t>(r);
        }
        if (got == want) x = buf;  // else (an I/O error): the mapping, which holds the same bytes
    }
#endif
    float s;
    search::dots_small(x, 1, R.d, q, 1, &s, 1);
    return s;
}

// What the threads leave for the merge: thread u's heap (k hits, heap_n filled) and candidates
// of query j of the block are at slot u * qblock + j.
struct Shared {
    const Hit* heaps;
    const index_t* heap_n;
    const std::vector<Hit>* cands;
    int T;
    index_t qblock, k;
};

// The per-row refinement (engine/compressed.py proves it): with E_r = row_bound, k distinct rows
// y of `cand` score at least L = the k-th largest s~_y - E_y in float32, so a row with
// s~_r + E_r < L is strictly beaten by k rows and dropped. Both sides are rounded outwards.
// cand: (s~, row) of distinct rows, compressed scores of query j; kept in place.
inline void refine(const Copy& c, const Queries& P, index_t j, index_t k, std::vector<Hit>& cand) {
    if (static_cast<index_t>(cand.size()) <= k) return;
    std::vector<double> low(cand.size());
    for (size_t i = 0; i < cand.size(); ++i)
        low[i] = std::nextafter(double(cand[i].score) - row_bound(c, P, j, cand[i].id), -HUGE_VAL);
    std::nth_element(low.begin(), low.begin() + (k - 1), low.end(), std::greater<double>());
    const double L = low[k - 1];
    auto out = cand.begin();
    for (const Hit& h : cand)
        if (std::nextafter(double(h.score) + row_bound(c, P, j, h.id), HUGE_VAL) >= L) *out++ = h;
    cand.erase(out, cand.end());
}

// The float32 kernel's scores of `cand`'s rows for query q, and the first k by ranks_before into
// os / oi (-inf / -1 past the end); returns how many were re-scored.
inline index_t rescore(const Rows32& R, std::vector<Hit>& cand, const float* q, index_t k, float* os,
                       std::int64_t* oi) {
    std::vector<float> buf(static_cast<size_t>(R.d));
    for (Hit& h : cand) h.score = score32(R, h.id, q, buf.data());
    const index_t got = std::min<index_t>(k, static_cast<index_t>(cand.size()));
    std::partial_sort(cand.begin(), cand.begin() + got, cand.end(), ranks_before);
    for (index_t i = 0; i < k; ++i) {
        os[i] = i < got ? cand[i].score : -kInf;
        oi[i] = i < got ? cand[i].id : -1;
    }
    return static_cast<index_t>(cand.size());
}

// Query j's answer from every thread's heap and candidates: the global cut (theta* - 2E), the
// per-row refinement, the re-score, top k.
inline index_t finish(const Copy& c, const Queries& P, const Rows32& R, const Shared& sh, index_t j,
                      index_t g, const float* q, float* os, std::int64_t* oi) {
    const index_t k = sh.k;
    std::vector<float> best;
    for (int u = 0; u < sh.T; ++u) {
        const size_t slot = static_cast<size_t>(u) * sh.qblock + j;
        for (index_t i = 0; i < sh.heap_n[slot]; ++i) best.push_back(sh.heaps[slot * k + i].score);
    }
    float cut = -kInf;
    if (static_cast<index_t>(best.size()) >= k) {
        std::nth_element(best.begin(), best.begin() + (k - 1), best.end(), std::greater<float>());
        cut = float_down(double(best[k - 1]) - double(P.margin[g]));
    }
    std::vector<Hit> all;
    for (int u = 0; u < sh.T; ++u)
        for (const Hit& h : sh.cands[static_cast<size_t>(u) * sh.qblock + j])
            if (h.score >= cut) all.push_back(h);
    refine(c, P, g, k, all);
    return rescore(R, all, q, k, os, oi);
}

// The scores of the queries i0 .. i0 + bi for the tile's rows, scanned as they come.
inline void scan_tile(const Copy& c, const Queries& P, index_t r0, index_t r1, index_t i0,
                      index_t bi, index_t lo, index_t hi, bool amx, std::vector<Select>& sel,
                      float* S) {
#if defined(ENGINE_LOWP_SPR)
    if (amx) {
        for (index_t r = r0; r < r1; r += 32)
            for (index_t j = 0; j < bi; j += 32) {
                amx_scores(c, P, r / kBlock, i0 + j, S);
                for (index_t jj = 0; jj < std::min<index_t>(32, bi - j); ++jj) {
                    sel[j + jj].scan16(S + jj * 32, r, lo, hi);
                    sel[j + jj].scan16(S + jj * 32 + 16, r + 16, lo, hi);
                }
            }
        return;
    }
#else
    (void)amx;
#endif
    for (index_t r = r0; r < r1; r += kBlock)
        for (index_t j = 0; j < bi; j += kVertMax) {
            const index_t nj = std::min<index_t>(kVertMax, bi - j);
            vert_n(c, P, r / kBlock, i0 + j, nj, S);
            for (index_t jj = 0; jj < nj; ++jj) sel[j + jj].scan16(S + jj * 16, r, lo, hi);
        }
}

// Top k of rows [lo, hi) of the float32 matrix X (n x d) for the nq queries Q (float32, unit
// rows as the float32 kernel takes them), through the copy c of X. Exclusions as csrc/topk.hpp's
// (CSR of sorted global rows). n_rescored[j]: how many rows were re-scored in float32 for query j.
// amx: the caller's word that this thread may use AMX tiles (the OS granted them). fd >= 0: X is
// mapped from that open file, row 0 at byte fd_offset; the re-score reads the rows from it.
inline void topk(const Copy& c, const float* X, index_t lo, index_t hi, const float* Q, index_t nq,
                 index_t k, const std::int64_t* ex_ptr, const std::int64_t* ex_ids, bool amx, int fd,
                 std::int64_t fd_offset, float* out_scores, std::int64_t* out_ids,
                 std::int64_t* n_rescored, int n_threads) {
    if (nq <= 0 || k <= 0 || hi <= lo) return;
#if !defined(ENGINE_LOWP_SPR)
    amx = false;
#endif
    Queries P;
    prepare(c, Q, nq, P, n_threads);
    const Rows32 rows32{X, c.d, fd, fd_offset};
    const bool small = nq <= kVertMax;
    // AMX pays from 4 queries for bf16 (a tile step holds 32; measured 1,279 vs 807 q/s at 4)
    // and beyond the vector kernel's 8 for int8 (vpdpbusd keeps up until then)
    amx = amx && (c.kind == BF16 ? nq >= 4 : !small);
    const index_t first = lo / kRowAlign * kRowAlign, end = (hi + kRowAlign - 1) / kRowAlign * kRowAlign;
    const index_t tile = small ? 4096 : 256;
    const index_t n_tiles = (end - first + tile - 1) / tile;
    const int T = static_cast<int>(std::max<index_t>(1, std::min<index_t>(resolve_threads(n_threads), n_tiles)));
    const index_t cap = std::max<index_t>(1, (index_t{1} << 22) / (static_cast<index_t>(T) * k));
    const index_t qblock = small ? nq : std::min<index_t>(std::max<index_t>(32, cap / 32 * 32), 256);

    std::vector<Hit> heaps(static_cast<size_t>(T) * qblock * k);
    std::vector<index_t> heap_n(static_cast<size_t>(T) * qblock);
    std::vector<std::vector<Hit>> cands(static_cast<size_t>(T) * qblock);
    const Shared shared{heaps.data(), heap_n.data(), cands.data(), T, qblock, k};

#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num();
#if defined(ENGINE_LOWP_SPR)
        if (amx) amx_config();
#endif
        std::vector<float> S(32 * 32);
        std::vector<Select> sel;
        sel.reserve(qblock);
        for (index_t i0 = 0; i0 < nq; i0 += qblock) {
            const index_t bi = std::min(qblock, nq - i0);
            sel.clear();
            for (index_t j = 0; j < bi; ++j) {
                const size_t slot = static_cast<size_t>(t) * qblock + j;
                Exclusion ex;
                if (ex_ptr) ex.begin = ex_ids + ex_ptr[i0 + j], ex.end = ex_ids + ex_ptr[i0 + j + 1];
                cands[slot].clear();
                sel.emplace_back(heaps.data() + slot * k, k, &cands[slot], ex, P.margin[i0 + j]);
            }
#pragma omp for schedule(dynamic, 1) nowait
            for (index_t ti = 0; ti < n_tiles; ++ti) {
                const index_t r0 = first + ti * tile;
                scan_tile(c, P, r0, std::min(end, r0 + tile), i0, bi, lo, hi, amx, sel, S.data());
            }
            for (index_t j = 0; j < bi; ++j) heap_n[static_cast<size_t>(t) * qblock + j] = sel[j].heap.size();
#pragma omp barrier
#pragma omp for schedule(dynamic, 4)
            for (index_t j = 0; j < bi; ++j) {
                const index_t g = i0 + j;
                n_rescored[g] = finish(c, P, rows32, shared, j, g, Q + g * c.d, out_scores + g * k,
                                       out_ids + g * k);
            }
        }
#if defined(ENGINE_LOWP_SPR)
        if (amx) _tile_release();
#endif
    }
}

// The exact re-rank of an approximate index's candidates (engine/index/exact.py): for query j,
// the distinct rows of ids[j * m .. j * m + m) (-1: none; each in [0, n)) re-scored with the
// float32 kernel's dot product, the first k by ranks_before. With a copy (c.kind != F32) the
// candidates are first scored through it and `refine`d: a row dropped there is beaten in float32
// by k other candidates, so the answer is the float32 re-rank's, bit for bit, from fewer float32
// rows (read from the file when fd >= 0, as `topk`'s). n_rescored[j]: float32 rows read.
inline void rerank(const Copy& c, const float* X, const float* Q, index_t nq, const std::int64_t* ids,
                   index_t m, index_t k, int fd, std::int64_t fd_offset, float* out_scores,
                   std::int64_t* out_ids, std::int64_t* n_rescored, int n_threads) {
    if (nq <= 0 || k <= 0) return;
    Queries P;
    if (c.kind != F32) prepare(c, Q, nq, P, n_threads);
    const Rows32 rows32{X, c.d, fd, fd_offset};
#pragma omp parallel num_threads(resolve_threads(n_threads))
    {
        std::vector<Hit> cand;
        std::vector<float> S(kVertMax * 16);
#pragma omp for schedule(dynamic, 8)
        for (index_t j = 0; j < nq; ++j) {
            cand.clear();
            for (index_t i = 0; i < m; ++i)
                if (ids[j * m + i] >= 0) cand.push_back({0.f, ids[j * m + i]});
            std::sort(cand.begin(), cand.end(), [](const Hit& a, const Hit& b) { return a.id < b.id; });
            cand.erase(std::unique(cand.begin(), cand.end(), [](const Hit& a, const Hit& b) { return a.id == b.id; }),
                       cand.end());
            if (c.kind != F32) {
                index_t blk = -1;  // rows in order: a block's 16 scores serve all its candidates
                for (Hit& h : cand) {
                    if (h.id / kBlock != blk) vert<1>(c, P, blk = h.id / kBlock, j, S.data());
                    h.score = S[h.id % kBlock];
                }
                refine(c, P, j, k, cand);
            }
            n_rescored[j] = rescore(rows32, cand, Q + j * c.d, k, out_scores + j * k, out_ids + j * k);
        }
    }
}

ENGINE_ISA_END
}  // namespace lowp
}  // namespace engine

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
