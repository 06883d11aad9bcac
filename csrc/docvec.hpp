// Document vectors from a weighted bag of words: the kernel behind zero- and few-shot
// classification. A document is a CSR row (word ids + weights); its vector is the weighted sum
// of the word rows, optionally with principal components removed (SIF), optionally unit length.
#pragma once
#include <cmath>
#include <cstdint>
#include "common.hpp"

namespace engine {

// For document i (rows indptr[i]..indptr[i+1] of ids/weights):
//   v = sum_j weights[j] * emb[ids[j]]
//   v -= sum_c (v . comps[c]) comps[c]          (comps: n_comps orthonormal rows; may be 0)
//   norms[i] = ||v||;  out[i] = normalize ? v / ||v|| : v   (a zero vector stays zero)
// Dots and norms accumulate in double; the sum itself in float32 (at most a few hundred terms).
// ids must lie in [0, n_words): the caller (engine/_kernels.py) checks that before the call.
inline void doc_vectors(const index_t* indptr, const std::int32_t* ids, const float* weights,
                        index_t n_docs, const float* emb, index_t d, const float* comps,
                        index_t n_comps, bool normalize, float* out, float* norms,
                        int n_threads) {
#pragma omp parallel for schedule(dynamic, 256) num_threads(resolve_threads(n_threads))
    for (index_t i = 0; i < n_docs; ++i) {
        float* v = out + i * d;
        for (index_t k = 0; k < d; ++k) v[k] = 0.0f;
        for (index_t j = indptr[i]; j < indptr[i + 1]; ++j) {
            const float w = weights[j];
            const float* e = emb + index_t(ids[j]) * d;
            for (index_t k = 0; k < d; ++k) v[k] += w * e[k];
        }
        for (index_t c = 0; c < n_comps; ++c) {
            const float* u = comps + c * d;
            double dot = 0.0;
            for (index_t k = 0; k < d; ++k) dot += double(v[k]) * double(u[k]);
            const float f = float(dot);
            for (index_t k = 0; k < d; ++k) v[k] -= f * u[k];
        }
        double s = 0.0;
        for (index_t k = 0; k < d; ++k) s += double(v[k]) * double(v[k]);
        const double norm = std::sqrt(s);
        norms[i] = float(norm);
        if (normalize) {
            const float inv = norm > 0.0 ? float(1.0 / norm) : 0.0f;
            for (index_t k = 0; k < d; ++k) v[k] *= inv;
        }
    }
}

}  // namespace engine
