// Search of an HNSW graph that FAISS built (IndexHNSWFlat, inner product), read in place: FAISS's
// own search pays per call for things a single query does not need (a visited table of N bytes
// allocated and cleared, an OpenMP region, its result handlers), which at ~0.3 ms a query is a
// good part of the time. Here the graph's arrays are FAISS's (HnswGraph, csrc/types.hpp), the
// rows the unit vectors FAISS stores, and the visited marks a tag array kept by the caller
// between calls (one row per thread: a new query bumps its generation instead of clearing).
//
// The walk is the HNSW paper's (Malkov & Yashunin, algorithms 2 and 5): a greedy descent
// through the upper levels from the entry point, then at level 0 a best-first search that
// keeps the ef best nodes seen and stops when the nearest unexpanded candidate is worse than
// all of them. Scores are inner products (higher is nearer); the k best of the ef are
// returned best first, ties in ascending id. tests/test_index_hnsw.py checks it against
// FAISS's own search (the same graph) and against exact search (recall).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "common.hpp"
#include "topk.hpp"
#include "types.hpp"

namespace engine {
namespace hnsw {
ENGINE_ISA_BEGIN

inline float dot(const float* a, const float* b, index_t d) {
#if defined(ENGINE_AVX512)
    return search::dot_avx512(a, b, d);
#else
    // eight partial sums: the compiler keeps them in vector registers of the path's width
    float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    index_t t = 0;
    for (; t + 8 <= d; t += 8)
        for (int j = 0; j < 8; ++j) acc[j] += a[t + j] * b[t + j];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; t < d; ++t) s += a[t] * b[t];
    return s;
#endif
}

// The scores of four rows at once: four independent streams from memory (the rows are visited in
// no order, so each is a cache miss; the walk is bound by memory latency, not arithmetic).
inline void dot4(const float* q, const float* r0, const float* r1, const float* r2,
                 const float* r3, index_t d, float* out) {
#if defined(ENGINE_AVX512)
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    index_t t = 0;
    for (; t + 16 <= d; t += 16) {
        const __m512 qv = _mm512_loadu_ps(q + t);
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + t), qv, a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + t), qv, a1);
        a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + t), qv, a2);
        a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + t), qv, a3);
    }
    if (t < d) {
        const __mmask16 m = static_cast<__mmask16>((1u << (d - t)) - 1);
        const __m512 qv = _mm512_maskz_loadu_ps(m, q + t);
        a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r0 + t), qv, a0);
        a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r1 + t), qv, a1);
        a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r2 + t), qv, a2);
        a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r3 + t), qv, a3);
    }
    out[0] = _mm512_reduce_add_ps(a0);
    out[1] = _mm512_reduce_add_ps(a1);
    out[2] = _mm512_reduce_add_ps(a2);
    out[3] = _mm512_reduce_add_ps(a3);
#else
    out[0] = dot(r0, q, d);
    out[1] = dot(r1, q, d);
    out[2] = dot(r2, q, d);
    out[3] = dot(r3, q, d);
#endif
}

inline void prefetch_row(const float* row, index_t d) {
    const char* p = reinterpret_cast<const char*>(row);
    const index_t bytes = d * static_cast<index_t>(sizeof(float));
    for (index_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
}

// The visited marks of one thread: node v is visited in this query when tags[v] == gen.
struct Marks {
    std::uint32_t* tags;
    std::uint32_t* gen;
    index_t n;
    void next_query() {
        if (++*gen == 0) {  // wrapped after 2^32 queries: clear once, start again at 1
            std::memset(tags, 0, static_cast<std::size_t>(n) * sizeof(std::uint32_t));
            *gen = 1;
        }
    }
    bool test_and_set(index_t v) {
        if (tags[v] == *gen) return true;
        tags[v] = *gen;
        return false;
    }
};

using Scored = std::pair<float, std::int32_t>;  // (score, node)

// Min-heap order on score (the worst kept result on top); among equal scores the larger id is
// worse, so ties are resolved in ascending id as engine's exact search does.
struct WorseFirst {
    bool operator()(const Scored& a, const Scored& b) const {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
    }
};
// Max-heap order on score (the best candidate on top).
struct BestFirst {
    bool operator()(const Scored& a, const Scored& b) const {
        return a.first < b.first || (a.first == b.first && a.second > b.second);
    }
};

// The k nearest of one query q (d floats) into out_scores / out_ids (k each; padded with -inf
// and -1 when the graph holds fewer). ef >= k nodes are kept during the level-0 search.
inline void search_one(const HnswGraph& g, const float* X, index_t d, const float* q, index_t k,
                       index_t ef, Marks& marks, std::vector<Scored>& kept_buf,
                       std::vector<Scored>& cand_buf, std::vector<std::int32_t>& fresh,
                       float* out_scores, std::int64_t* out_ids) {
    for (index_t j = 0; j < k; ++j) {
        out_scores[j] = -std::numeric_limits<float>::infinity();
        out_ids[j] = -1;
    }
    if (g.n == 0 || g.entry_point < 0) return;
    std::int32_t cur = g.entry_point;
    float cur_s = dot(X + static_cast<index_t>(cur) * d, q, d);
    for (int level = g.max_level; level >= 1; --level) {  // greedy descent
        bool moved = true;
        while (moved) {
            moved = false;
            const std::uint64_t o = g.offsets[cur];
            const std::int32_t* nb = g.neighbors + o + g.cum_nneighbor_per_level[level];
            const std::int32_t* end = g.neighbors + o + g.cum_nneighbor_per_level[level + 1];
            for (; nb < end && *nb >= 0; ++nb) {
                const float s = dot(X + static_cast<index_t>(*nb) * d, q, d);
                if (s > cur_s) {
                    cur_s = s;
                    cur = *nb;
                    moved = true;
                }
            }
        }
    }
    marks.next_query();
    // two binary heaps over buffers kept between queries: kept (the ef best, worst on top) and
    // cand (the unexpanded, best on top)
    std::vector<Scored>& kept = kept_buf;
    std::vector<Scored>& cand = cand_buf;
    kept.clear();
    cand.clear();
    const WorseFirst worse;
    const BestFirst best;
    marks.test_and_set(cur);
    kept.emplace_back(cur_s, cur);
    cand.emplace_back(cur_s, cur);
    const std::int32_t* level0 = g.neighbors + g.cum_nneighbor_per_level[0];
    const std::int32_t width = g.cum_nneighbor_per_level[1] - g.cum_nneighbor_per_level[0];
    while (!cand.empty()) {
        const Scored c = cand.front();
        if (static_cast<index_t>(kept.size()) >= ef && c.first < kept.front().first) break;
        std::pop_heap(cand.begin(), cand.end(), best);
        cand.pop_back();
        const std::int32_t* nb = level0 + g.offsets[c.second];
        const std::int32_t* end = nb + width;
        fresh.clear();
        for (; nb < end && *nb >= 0; ++nb)
            if (!marks.test_and_set(*nb)) fresh.push_back(*nb);
        const index_t m = static_cast<index_t>(fresh.size());
        for (index_t j = 0; j < m && j < 4; ++j) prefetch_row(X + static_cast<index_t>(fresh[j]) * d, d);
        for (index_t j = 0; j < m; j += 4) {
            for (index_t p = j + 4; p < m && p < j + 8; ++p)  // the next four, while these are scored
                prefetch_row(X + static_cast<index_t>(fresh[p]) * d, d);
            float s4[4];
            const index_t len = std::min<index_t>(4, m - j);
            if (len == 4) {
                dot4(q, X + static_cast<index_t>(fresh[j]) * d, X + static_cast<index_t>(fresh[j + 1]) * d,
                     X + static_cast<index_t>(fresh[j + 2]) * d, X + static_cast<index_t>(fresh[j + 3]) * d, d,
                     s4);
            } else {
                for (index_t u = 0; u < len; ++u) s4[u] = dot(X + static_cast<index_t>(fresh[j + u]) * d, q, d);
            }
            for (index_t u = 0; u < len; ++u) {
                const float s = s4[u];
                const std::int32_t v = fresh[j + u];
                if (static_cast<index_t>(kept.size()) < ef || s > kept.front().first) {
                    cand.emplace_back(s, v);
                    std::push_heap(cand.begin(), cand.end(), best);
                    kept.emplace_back(s, v);
                    std::push_heap(kept.begin(), kept.end(), worse);
                    if (static_cast<index_t>(kept.size()) > ef) {
                        std::pop_heap(kept.begin(), kept.end(), worse);
                        kept.pop_back();
                    }
                }
            }
        }
    }
    std::sort(kept.begin(), kept.end(), best);  // ascending in "best" order: the best is last
    const index_t got = std::min<index_t>(k, static_cast<index_t>(kept.size()));
    for (index_t j = 0; j < got; ++j) {
        const Scored& r = kept[kept.size() - 1 - static_cast<std::size_t>(j)];
        out_scores[j] = r.first;
        out_ids[j] = r.second;
    }
}

// search_one for nq queries Q (nq x d): on the calling thread when nq == 1 (no OpenMP region for
// one query), else over at most n_threads threads; thread t uses row t of tags (n_threads x n)
// and gens[t]. out_scores / out_ids are nq x k.
inline void search(const HnswGraph& g, const float* X, index_t d, const float* Q, index_t nq,
                   index_t k, index_t ef, std::uint32_t* tags, std::uint32_t* gens,
                   float* out_scores, std::int64_t* out_ids, int n_threads) {
    ef = std::max(ef, k);
    const int nt = static_cast<int>(std::max<index_t>(1, std::min<index_t>(resolve_threads(n_threads), nq)));
    if (nt == 1) {
        Marks marks{tags, gens, g.n};
        std::vector<Scored> kept, cand;
        std::vector<std::int32_t> fresh;
        for (index_t i = 0; i < nq; ++i)
            search_one(g, X, d, Q + i * d, k, ef, marks, kept, cand, fresh, out_scores + i * k,
                       out_ids + i * k);
        return;
    }
#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num();
        Marks marks{tags + static_cast<index_t>(t) * g.n, gens + t, g.n};
        std::vector<Scored> kept, cand;
        std::vector<std::int32_t> fresh;
#pragma omp for schedule(dynamic, 4)
        for (index_t i = 0; i < nq; ++i)
            search_one(g, X, d, Q + i * d, k, ef, marks, kept, cand, fresh, out_scores + i * k,
                       out_ids + i * k);
    }
}

ENGINE_ISA_END
}  // namespace hnsw
}  // namespace engine
