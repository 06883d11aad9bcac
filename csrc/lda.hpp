// The variational E-step of latent Dirichlet allocation for many documents at once: gensim's
// LdaModel.inference (Hoffman, Blei and Bach's online LDA, with Lee and Seung's trick of never
// storing phi), in float32 or float64 as the model is.
//
// For one document with word ids w_j and counts c_j, topics k < K, prior alpha and
// B[j][k] = exp(E[log beta_k,w_j]) (the model's expElogbeta, read word-major here):
//
//   E[log theta_k] = digamma(gamma_k) - digamma(sum_k gamma_k)
//   phinorm_j      = sum_k exp(E[log theta_k]) B[j][k] + eps              (eps: the dtype's epsilon)
//   gamma_k       <- alpha_k + exp(E[log theta_k]) * sum_j (c_j / phinorm_j) B[j][k]
//
// repeated from the given start gamma until the mean absolute change of gamma falls below the
// threshold, or for at most `iterations` rounds. Every step is the one gensim takes, in the same
// order and dtype; the two inner products accumulate in double and are rounded to the dtype
// (numpy's BLAS rounds at every step, so the two differ by a few units in the last place).
// digamma is gensim's own (Algorithm AS 103, gensim/_matutils.pyx), with its mixed float/double
// arithmetic reproduced (csrc/lda_math.hpp). Documents are independent: any thread count or
// batching gives the same results.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>
#include <vector>

#include "common.hpp"
#include "lda_math.hpp"

namespace engine {
namespace lda {
ENGINE_ISA_BEGIN

using vec::vd;
using vec::W;

// Storage for vectors of lanes, 64-byte aligned. An allocator of the path's own namespace, so that
// std::vector's code over it is the path's: std::vector<vd> would be one weak symbol for every
// path, and vd's alignment differs between them (16, 32 or 64 bytes: GCC caps a vector type's
// alignment at the widest register), so the copy the linker kept could hand the AVX-512 path
// memory its aligned loads fault on.
template <class U>
struct LaneAllocator {
    using value_type = U;
    LaneAllocator() = default;
    template <class V>
    LaneAllocator(const LaneAllocator<V>&) {}
    U* allocate(std::size_t n) { return static_cast<U*>(::operator new(n * sizeof(U), std::align_val_t(64))); }
    void deallocate(U* p, std::size_t) { ::operator delete(p, std::align_val_t(64)); }
    template <class V>
    bool operator==(const LaneAllocator<V>&) const { return true; }
    template <class V>
    bool operator!=(const LaneAllocator<V>&) const { return false; }
};
using Lanes = std::vector<vd, LaneAllocator<vd>>;

// Per-thread scratch space for one document; topics go in lanes of W doubles (nv vectors, the
// lanes past K hold 0).
template <class T>
struct Work {
    index_t nv;
    Lanes B;        // n x nv: the document's rows of exp(E[log beta]), as doubles
    Lanes theta;    // nv: exp(E[log theta]) (values of T)
    Lanes acc;      // nv
    Lanes scratch;  // 2 nv
    std::vector<T> phinorm;   // n
    std::vector<T> last;      // K: gamma of the previous round
    explicit Work(index_t K) : nv((K + W - 1) / W), theta(nv), acc(nv), scratch(2 * nv), last(K) {}
};

// phinorm[j] = sum_k theta[k] B[j][k] + eps, the sum in double rounded to T
template <class T>
inline void phi_norms(const vd* B, const vd* theta, index_t n, index_t nv, T* phinorm) {
    const T eps = std::numeric_limits<T>::epsilon();
    for (index_t j = 0; j < n; ++j) {
        const vd* b = B + j * nv;
        vd s = vec::splat(0.0);
        for (index_t c = 0; c < nv; ++c) s += theta[c] * b[c];
        double t = 0.0;
        for (int i = 0; i < W; ++i) t += s[i];
        phinorm[j] = T(t) + eps;
    }
}

// mean |a - b| as gensim's _mean_absolute_difference computes it: a T accumulator, in index
// order. (Cython adds the double fabs(a - b) to it; for float the sum of two floats rounds to the
// same float whether or not it passes through double, so the sum stays in T here.)
template <class T>
inline T mean_absolute_difference(const T* a, const T* b, index_t K) {
    T result = 0.0;
    for (index_t k = 0; k < K; ++k) result += std::fabs(a[k] - b[k]);
    result /= static_cast<T>(K);
    return result;
}

// gamma[k] = alpha[k] + theta[k] * acc[k] in T (acc rounded to T first, as numpy's dot returns
// T). For float, each double operation on float values rounded to float is the float operation.
template <class T>
inline void update_gamma(const T* alpha, const vd* theta, const vd* acc, index_t K, T* gamma) {
    for (index_t k = 0, c = 0; k < K; k += W, ++c) {
        const int n = static_cast<int>(K - k < W ? K - k : W);
        const vd a = vec::load(alpha + k, n, 0.0);
        const vd g = vec::round<T>(a + vec::round<T>(theta[c] * vec::round<T>(acc[c])));
        vec::store(gamma + k, g, n);
    }
}

// One document: gamma (K values) holds the start on entry and the result on return.
// Returns the number of rounds run (0 when iterations is 0).
template <class T>
inline int infer_document(const T* word_topics, index_t K, const T* alpha, const std::int32_t* ids,
                          const T* counts, index_t n, T* gamma, int iterations, double threshold,
                          Work<T>& w) {
    const index_t nv = w.nv;
    if (static_cast<index_t>(w.B.size()) < n * nv) w.B.resize(n * nv);
    if (static_cast<index_t>(w.phinorm.size()) < n) w.phinorm.resize(n);
    vd* B = w.B.data();
    for (index_t j = 0; j < n; ++j) {
        const T* row = word_topics + index_t(ids[j]) * K;
        for (index_t k = 0, c = 0; k < K; k += W, ++c)
            B[j * nv + c] = vec::load(row + k, static_cast<int>(K - k < W ? K - k : W), 0.0);
    }
    vd* theta = w.theta.data();
    vd* acc = w.acc.data();
    T* phinorm = w.phinorm.data();
    vec::exp_dirichlet_expectation(gamma, K, theta, w.scratch.data());
    phi_norms(B, theta, n, nv, phinorm);
    int rounds = 0;
    while (rounds < iterations) {
        ++rounds;
        std::copy_n(gamma, K, w.last.data());
        std::fill_n(acc, nv, vec::splat(0.0));
        for (index_t j = 0; j < n; ++j) {
            const double r = double(T(counts[j] / phinorm[j]));
            const vd* b = B + j * nv;
            for (index_t c = 0; c < nv; ++c) acc[c] += r * b[c];
        }
        update_gamma(alpha, theta, acc, K, gamma);
        vec::exp_dirichlet_expectation(gamma, K, theta, w.scratch.data());
        phi_norms(B, theta, n, nv, phinorm);
        if (static_cast<double>(mean_absolute_difference(gamma, w.last.data(), K)) < threshold) break;
    }
    return rounds;
}

// The E-step for n_docs documents, CSR: document d has the words ids[indptr[d] .. indptr[d+1])
// with their counts. word_topics is V x K (expElogbeta transposed: one row of K per word);
// ids lie in [0, V) (checked by the caller, engine/_kernels/topics.py). gamma (n_docs x K)
// holds the start on entry (gensim draws it from Gamma(100, 1/100)) and the result on return;
// rounds[d] is the number of rounds document d took.
template <class T>
inline void infer(const T* word_topics, index_t K, const T* alpha, const std::int64_t* indptr,
                  const std::int32_t* ids, const T* counts, index_t n_docs, T* gamma,
                  std::int32_t* rounds, int iterations, double threshold, int n_threads) {
#pragma omp parallel num_threads(resolve_threads(n_threads))
    {
        Work<T> w(K);
#pragma omp for schedule(dynamic, 16)
        for (index_t d = 0; d < n_docs; ++d) {
            const index_t a = indptr[d], n = indptr[d + 1] - a;
            rounds[d] = infer_document(word_topics, K, alpha, ids + a, counts + a, n, gamma + d * K,
                                       iterations, threshold, w);
        }
    }
}

ENGINE_ISA_END
}  // namespace lda
}  // namespace engine
