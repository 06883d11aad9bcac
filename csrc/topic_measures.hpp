// Distances between topic distributions, in float64, as gensim.matutils computes them: pairwise
// matrices, lists of pairs, and exact k nearest rows by brute force.
//
// Rows arrive prepared by engine/topics (each measure reads its own form, made once per matrix):
//   hellinger       x = sqrt(p)                        d = sqrt(0.5 * sum_k (x_k - y_k)^2)
//   jensen_shannon  x = p, aux = sum_k p_k             d = 0.5 * (KL(p^ || m^) + KL(q^ || m^)),
//                                                       m = (p + q) / 2, ^ = divided by its sum
//   symmetric_kl    x = p / sum_k p_k                  d = KL(p || q) + KL(q || p)
//   cosine          x = p, aux = ||p||                 d = 1 - p.q / (||p|| ||q||)   (1 if a norm is 0)
// with KL(a || b) = sum_k rel_entr(a_k, b_k), rel_entr being scipy.special's (0 where a_k = 0,
// +inf where a_k > 0 = b_k). These are scipy.stats.entropy's and gensim.matutils' formulas; the
// sums run in index order.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common.hpp"
#include "types.hpp"

namespace engine {
namespace topics {
ENGINE_ISA_BEGIN

// scipy.special.rel_entr
inline double rel_entr(double a, double b) {
    if (a > 0.0 && b > 0.0) return a * std::log(a / b);
    if (a == 0.0 && b >= 0.0) return 0.0;
    return std::numeric_limits<double>::infinity();
}

inline double hellinger(const double* x, const double* y, index_t K) {
    double s = 0.0;
    for (index_t k = 0; k < K; ++k) {
        const double t = x[k] - y[k];
        s += t * t;
    }
    return std::sqrt(0.5 * s);
}

inline double jensen_shannon(const double* p, double sp, const double* q, double sq, index_t K) {
    double sm = 0.0;
    for (index_t k = 0; k < K; ++k) sm += 0.5 * (p[k] + q[k]);
    double a = 0.0, b = 0.0;
    for (index_t k = 0; k < K; ++k) {
        const double m = 0.5 * (p[k] + q[k]) / sm;
        a += rel_entr(p[k] / sp, m);
        b += rel_entr(q[k] / sq, m);
    }
    return 0.5 * (a + b);
}

inline double symmetric_kl(const double* p, const double* q, index_t K) {
    double a = 0.0, b = 0.0;
    for (index_t k = 0; k < K; ++k) {
        a += rel_entr(p[k], q[k]);
        b += rel_entr(q[k], p[k]);
    }
    return a + b;
}

inline double cosine(const double* p, double np_, const double* q, double nq, index_t K) {
    if (np_ == 0.0 || nq == 0.0) return 1.0;
    double s = 0.0;
    for (index_t k = 0; k < K; ++k) s += p[k] * q[k];
    return 1.0 - s / (np_ * nq);
}

// The distance between row i of a and row j of b.
inline double distance(Measure m, const Rows& a, index_t i, const Rows& b, index_t j, index_t K) {
    const double* x = a.x + i * K;
    const double* y = b.x + j * K;
    switch (m) {
        case Measure::hellinger:
            return hellinger(x, y, K);
        case Measure::jensen_shannon:
            return jensen_shannon(x, a.aux[i], y, b.aux[j], K);
        case Measure::symmetric_kl:
            return symmetric_kl(x, y, K);
        case Measure::cosine:
            return cosine(x, a.aux[i], y, b.aux[j], K);
    }
    return std::numeric_limits<double>::quiet_NaN();
}

// out[i * b.n + j] = d(a_i, b_j)
inline void pairwise(Measure m, const Rows& a, const Rows& b, index_t K, double* out, int n_threads) {
#pragma omp parallel for schedule(dynamic, 4) num_threads(resolve_threads(n_threads))
    for (index_t i = 0; i < a.n; ++i)
        for (index_t j = 0; j < b.n; ++j) out[i * b.n + j] = distance(m, a, i, b, j, K);
}

// out[t] = d(a_{ia[t]}, b_{ib[t]}) for t < n_pairs (indices checked by the caller)
inline void pairs(Measure m, const Rows& a, const Rows& b, index_t K, const std::int64_t* ia,
                  const std::int64_t* ib, index_t n_pairs, double* out, int n_threads) {
#pragma omp parallel for schedule(static, 256) num_threads(resolve_threads(n_threads))
    for (index_t t = 0; t < n_pairs; ++t) out[t] = distance(m, a, ia[t], b, ib[t], K);
}

struct Near {
    double d;
    index_t id;
};

// a ranks before b: nearer, then the lower row (a total order, so the result is the same for any
// thread count or split)
inline bool nearer(const Near& a, const Near& b) { return a.d < b.d || (a.d == b.d && a.id < b.id); }

// The k rows of `corpus` nearest to each row of `queries` (k <= corpus.n, checked by the
// caller): out_d / out_i (queries.n x k), nearest first. Threads split the corpus rows for a
// block of queries, each keeping a heap of its k best per query; the heaps are merged per query.
inline void knn(Measure m, const Rows& corpus, const Rows& queries, index_t K, index_t k, double* out_d,
                std::int64_t* out_i, int n_threads) {
    const index_t nq = queries.n, n = corpus.n;
    if (nq <= 0 || k <= 0) return;
    const int T = static_cast<int>(std::max<index_t>(1, std::min<index_t>(resolve_threads(n_threads), n)));
    const index_t block = std::max<index_t>(1, std::min<index_t>(nq, (index_t{1} << 20) / (T * k)));
    std::vector<Near> heaps(static_cast<size_t>(T) * block * k);
    std::vector<index_t> sizes(static_cast<size_t>(T) * block);
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num();
        for (index_t q0 = 0; q0 < nq; q0 += block) {
            const index_t bq = std::min(block, nq - q0);
            for (index_t j = 0; j < bq; ++j) sizes[static_cast<size_t>(t) * block + j] = 0;
#pragma omp for schedule(dynamic, 1024) nowait
            for (index_t r = 0; r < n; ++r) {
                for (index_t j = 0; j < bq; ++j) {
                    Near* h = heaps.data() + (static_cast<size_t>(t) * block + j) * k;
                    index_t& size = sizes[static_cast<size_t>(t) * block + j];
                    const Near x{distance(m, queries, q0 + j, corpus, r, K), r};
                    if (size < k) {
                        h[size++] = x;
                        std::push_heap(h, h + size, nearer);
                    } else if (nearer(x, h[0])) {
                        std::pop_heap(h, h + size, nearer);
                        h[size - 1] = x;
                        std::push_heap(h, h + size, nearer);
                    }
                }
            }
#pragma omp barrier
#pragma omp for schedule(static)
            for (index_t j = 0; j < bq; ++j) {
                std::vector<Near> all;
                all.reserve(static_cast<size_t>(T) * k);
                for (int u = 0; u < T; ++u) {
                    const Near* h = heaps.data() + (static_cast<size_t>(u) * block + j) * k;
                    all.insert(all.end(), h, h + sizes[static_cast<size_t>(u) * block + j]);
                }
                std::partial_sort(all.begin(), all.begin() + k, all.end(), nearer);
                for (index_t c = 0; c < k; ++c) {
                    out_d[(q0 + j) * k + c] = all[c].d;
                    out_i[(q0 + j) * k + c] = all[c].id;
                }
            }
            // (the implicit barrier of `omp for` keeps the heaps intact until every merge is done)
        }
    }
}

ENGINE_ISA_END
}  // namespace topics
}  // namespace engine
