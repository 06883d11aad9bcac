// Document vectors from a weighted bag of words: the kernel behind zero- and few-shot
// classification. A document is a CSR row (word ids + weights); its vector is the weighted sum
// of the word rows, optionally with principal components removed (SIF), optionally unit length.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>
#include "common.hpp"

namespace engine {
ENGINE_ISA_BEGIN

// Document i (rows indptr[i]..indptr[i+1] of ids/weights) into v (d floats):
//   v = sum_j weights[j] * emb[ids[j]]
//   v -= sum_c (v . comps[c]) comps[c]          (comps: n_comps orthonormal rows; may be 0)
// Returns ||v||. Dots and norms accumulate in double (vectorised: `omp simd` reductions); the sum itself in float32 (a document has
// at most a few hundred distinct words). ids must lie in [0, n_words): the caller
// (engine/_kernels/docvec.py) checks that before the call.
// With word_weights (one per vocabulary row; may be null) the weight of entry j is
// weights[j] * word_weights[ids[j]].
inline double doc_vector_row(const index_t* indptr, const std::int32_t* ids, const float* weights,
                             const float* word_weights, index_t i, const float* emb, index_t d,
                             const float* comps, index_t n_comps, float* v) {
    for (index_t k = 0; k < d; ++k) v[k] = 0.0f;
    for (index_t j = indptr[i]; j < indptr[i + 1]; ++j) {
        const float w = word_weights ? weights[j] * word_weights[ids[j]] : weights[j];
        const float* e = emb + index_t(ids[j]) * d;
        for (index_t k = 0; k < d; ++k) v[k] += w * e[k];
    }
    for (index_t c = 0; c < n_comps; ++c) {
        const float* u = comps + c * d;
        double dot = 0.0;
#pragma omp simd reduction(+ : dot)
        for (index_t k = 0; k < d; ++k) dot += double(v[k]) * double(u[k]);
        const float f = float(dot);
        for (index_t k = 0; k < d; ++k) v[k] -= f * u[k];
    }
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (index_t k = 0; k < d; ++k) s += double(v[k]) * double(v[k]);
    return std::sqrt(s);
}

// out[i] = v_i / ||v_i|| (or v_i when !normalize; a zero vector stays zero), norms[i] = ||v_i||.
inline void doc_vectors(const index_t* indptr, const std::int32_t* ids, const float* weights,
                        index_t n_docs, const float* emb, index_t d, const float* comps,
                        index_t n_comps, bool normalize, float* out, float* norms,
                        int n_threads) {
#pragma omp parallel for schedule(dynamic, 256) num_threads(resolve_threads(n_threads))
    for (index_t i = 0; i < n_docs; ++i) {
        float* v = out + i * d;
        const double norm = doc_vector_row(indptr, ids, weights, nullptr, i, emb, d, comps, n_comps, v);
        norms[i] = float(norm);
        if (normalize) {
            const float inv = norm > 0.0 ? float(1.0 / norm) : 0.0f;
            for (index_t k = 0; k < d; ++k) v[k] *= inv;
        }
    }
}

// scores[i, l] = (v_i / ||v_i||) . labels[l]  (v_i as in doc_vector_row, word_weights optional) for n_labels rows of labels (0 for a zero v_i):
// the cosine scores of zero-shot classification without materialising the document vectors.
// Each row's scores depend only on that row, so any batching gives identical results.
inline void doc_scores(const index_t* indptr, const std::int32_t* ids, const float* weights,
                       const float* word_weights, index_t n_docs, const float* emb, index_t d, const float* comps,
                       index_t n_comps, const float* labels, index_t n_labels, double* scores,
                       float* norms, int n_threads) {
#pragma omp parallel num_threads(resolve_threads(n_threads))
    {
        std::vector<float> buf(std::size_t(d > 0 ? d : 1));
        float* v = buf.data();
#pragma omp for schedule(dynamic, 256)
        for (index_t i = 0; i < n_docs; ++i) {
            const double norm =
                doc_vector_row(indptr, ids, weights, word_weights, i, emb, d, comps, n_comps, v);
            norms[i] = float(norm);
            const double inv = norm > 0.0 ? 1.0 / norm : 0.0;
            for (index_t l = 0; l < n_labels; ++l) {
                const float* lab = labels + l * d;
                double dot = 0.0;
#pragma omp simd reduction(+ : dot)
                for (index_t k = 0; k < d; ++k) dot += double(v[k]) * double(lab[k]);
                scores[i * n_labels + l] = dot * inv;
            }
        }
    }
}

ENGINE_ISA_END
}  // namespace engine
