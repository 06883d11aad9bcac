// Search of an HNSW graph that FAISS built (IndexHNSWFlat, inner product). FAISS's own search
// pays per call for things a single query does not need (a visited table of N bytes allocated
// and cleared, an OpenMP region, its result handlers) and reads three places per neighbour (its
// offset, its list, its row). Here the upper levels are FAISS's arrays, read in place, and
// level 0 is a packed copy in hnswlib's layout (HnswGraph, csrc/types.hpp): one block per node
// holding its row and its list, so an expansion touches one block per neighbour. The visited
// marks are 2-byte tags kept by the caller between calls (one row per thread: a new query bumps
// its generation instead of clearing).
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

// Bytes of a block prefetched ahead of its scoring: its first two cache lines.
constexpr index_t kPrefetchBytes = 128;

inline void prefetch_lines(const void* p, index_t bytes) {
    const char* c = static_cast<const char*>(p);
    for (index_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off);
}

// The visited marks of one thread: node v is visited in this query when tags[v] == gen. 2 bytes a
// node (a 100k vocabulary's marks fit in L2) and a generation per query; cleared once every
// 65,535 queries, when the generation wraps.
struct Marks {
    std::uint16_t* tags;
    std::uint16_t* gen;
    index_t n;
    void next_query() {
        if (++*gen == 0) {
            std::memset(tags, 0, static_cast<std::size_t>(n) * sizeof(std::uint16_t));
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

// The two heaps of the level-0 search, written here rather than with std::push_heap: the std
// algorithms are instantiated outside this file's per-ISA target pragma, so GCC could not
// inline the comparison into them (measured: a third of the walk's time went to the calls).
// Before(a, b): a sits nearer the top than b.
struct WorseFirst {  // kept: the worst on top; among equal scores the larger id is worse, so
                     // ties are resolved in ascending id as engine's exact search does
    bool operator()(const Scored& a, const Scored& b) const {
        return a.first < b.first || (a.first == b.first && a.second > b.second);
    }
};
struct BestFirst {  // cand: the best on top
    bool operator()(const Scored& a, const Scored& b) const {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
    }
};

template <class Before>
inline void heap_push(std::vector<Scored>& h, Scored x, Before before) {
    std::size_t i = h.size();
    h.push_back(x);
    while (i > 0) {
        const std::size_t parent = (i - 1) / 2;
        if (!before(x, h[parent])) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}

// Put x at the top of the heap h[0, n) (replacing the top) and sift it down.
template <class Before>
inline void heap_replace_top(Scored* h, std::size_t n, Scored x, Before before) {
    std::size_t i = 0;
    for (;;) {
        std::size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(h[c + 1], h[c])) ++c;
        if (!before(h[c], x)) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

template <class Before>
inline void heap_pop(std::vector<Scored>& h, Before before) {
    const Scored last = h.back();
    h.pop_back();
    if (!h.empty()) heap_replace_top(h.data(), h.size(), last, before);
}

// The buffers of one thread's searches, kept between queries.
struct Scratch {
    std::vector<Scored> kept, cand;
    std::vector<std::int32_t> fresh;
};

// Greedy descent through the upper levels from the entry point: the nearest node found at
// level 1 (and its score), where the level-0 search starts.
inline Scored descend(const HnswGraph& g, const float* q) {
    std::int32_t cur = g.entry_point;
    float cur_s = dot(g.row(cur), q, g.d);
    for (int level = g.max_level; level >= 1; --level) {
        bool moved = true;
        while (moved) {
            moved = false;
            const std::uint64_t o = g.offsets[cur];
            const std::int32_t* nb = g.neighbors + o + g.cum_nneighbor_per_level[level];
            const std::int32_t* end = g.neighbors + o + g.cum_nneighbor_per_level[level + 1];
            for (; nb < end && *nb >= 0; ++nb) {
                const float s = dot(g.row(*nb), q, g.d);
                if (s > cur_s) {
                    cur_s = s;
                    cur = *nb;
                    moved = true;
                }
            }
        }
    }
    return {cur_s, cur};
}

// Offer node v (score s) to the level-0 search: kept if among the ef best so far, and then a
// candidate to expand.
inline void offer(Scratch& w, index_t ef, float s, std::int32_t v) {
    if (static_cast<index_t>(w.kept.size()) < ef || s > w.kept.front().first) {
        heap_push(w.cand, {s, v}, BestFirst{});
        if (static_cast<index_t>(w.kept.size()) < ef)
            heap_push(w.kept, {s, v}, WorseFirst{});
        else
            heap_replace_top(w.kept.data(), w.kept.size(), {s, v}, WorseFirst{});
    }
}

// Expand one node's level-0 list l ([count, ids]): the unvisited neighbours, scored four at a
// time (four independent streams from memory: the blocks are visited in no order, so each is a
// cache miss and the walk is bound by memory latency, not arithmetic), the first two lines of the
// next four's blocks prefetched while these are scored (the hardware prefetcher follows the rest
// of a row; prefetching whole rows, or one neighbour ahead as hnswlib does, measured slower).
inline void expand(const HnswGraph& g, const float* q, const std::int32_t* l, index_t ef,
                   Marks& marks, Scratch& w) {
    w.fresh.clear();
    const std::int32_t cnt = l[0];
    for (std::int32_t j = 1; j <= cnt; ++j)
        if (!marks.test_and_set(l[j])) w.fresh.push_back(l[j]);
    const std::int32_t* f = w.fresh.data();
    const index_t m = static_cast<index_t>(w.fresh.size());
    for (index_t j = 0; j < m && j < 4; ++j) prefetch_lines(g.row(f[j]), kPrefetchBytes);
    for (index_t j = 0; j < m; j += 4) {
        for (index_t p = j + 4; p < m && p < j + 8; ++p) prefetch_lines(g.row(f[p]), kPrefetchBytes);
        float s4[4];
        const index_t len = std::min<index_t>(4, m - j);
        if (len == 4) {
            dot4(q, g.row(f[j]), g.row(f[j + 1]), g.row(f[j + 2]), g.row(f[j + 3]), g.d, s4);
        } else {
            for (index_t u = 0; u < len; ++u) s4[u] = dot(g.row(f[j + u]), q, g.d);
        }
        for (index_t u = 0; u < len; ++u) offer(w, ef, s4[u], f[j + u]);
    }
}

// The k nearest of one query q (d floats) into out_scores / out_ids (k each; padded with -inf
// and -1 when the graph holds fewer). ef >= k nodes are kept during the level-0 search.
inline void search_one(const HnswGraph& g, const float* q, index_t k, index_t ef, Marks& marks,
                       Scratch& w, float* out_scores, std::int64_t* out_ids) {
    for (index_t j = 0; j < k; ++j) {
        out_scores[j] = -std::numeric_limits<float>::infinity();
        out_ids[j] = -1;
    }
    if (g.n == 0 || g.entry_point < 0) return;
    const Scored start = descend(g, q);
    marks.next_query();
    // two binary heaps over buffers kept between queries: kept (the ef best, worst on top) and
    // cand (the unexpanded, best on top)
    w.kept.assign(1, start);
    w.cand.assign(1, start);
    marks.test_and_set(start.second);
    while (!w.cand.empty()) {
        const Scored c = w.cand.front();
        if (static_cast<index_t>(w.kept.size()) >= ef && c.first < w.kept.front().first) break;
        heap_pop(w.cand, BestFirst{});
        // the list of the likely next node to expand, while this one is (measured: pays)
        if (!w.cand.empty()) __builtin_prefetch(g.links(w.cand.front().second));
        expand(g, q, g.links(c.second), ef, marks, w);
    }
    std::sort(w.kept.begin(), w.kept.end(), BestFirst{});  // the best first
    const index_t got = std::min<index_t>(k, static_cast<index_t>(w.kept.size()));
    for (index_t j = 0; j < got; ++j) {
        const Scored& r = w.kept[static_cast<std::size_t>(j)];
        out_scores[j] = r.first;
        out_ids[j] = r.second;
    }
}

// search_one for nq queries Q (nq x d): on the calling thread when nq == 1 (no OpenMP region for
// one query), else over at most n_threads threads; thread t uses row t of tags (n_threads x n)
// and gens[t]. out_scores / out_ids are nq x k.
inline void search(const HnswGraph& g, const float* Q, index_t nq, index_t k, index_t ef,
                   std::uint16_t* tags, std::uint16_t* gens, float* out_scores,
                   std::int64_t* out_ids, int n_threads) {
    ef = std::max(ef, k);
    const index_t d = g.d;
    const int nt = static_cast<int>(std::max<index_t>(1, std::min<index_t>(resolve_threads(n_threads), nq)));
    if (nt == 1) {
        Marks marks{tags, gens, g.n};
        Scratch w;
        for (index_t i = 0; i < nq; ++i)
            search_one(g, Q + i * d, k, ef, marks, w, out_scores + i * k, out_ids + i * k);
        return;
    }
#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num();
        Marks marks{tags + static_cast<index_t>(t) * g.n, gens + t, g.n};
        Scratch w;
#pragma omp for schedule(dynamic, 4)
        for (index_t i = 0; i < nq; ++i)
            search_one(g, Q + i * d, k, ef, marks, w, out_scores + i * k, out_ids + i * k);
    }
}

ENGINE_ISA_END
}  // namespace hnsw
}  // namespace engine
