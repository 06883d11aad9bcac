// Row normalisation: the one transformation every Vectors goes through.
#pragma once
#include <cmath>
#include "common.hpp"

namespace engine {
ENGINE_ISA_BEGIN

// out[i] = in[i] / ||in[i]||, norms[i] = ||in[i]|| (accumulated in double).
// A zero row stays zero: its cosine with anything is then 0, never NaN.
// `in` and `out` may alias (in-place normalisation).
inline void normalize_rows(const float* in, float* out, float* norms, index_t n, index_t d,
                           int n_threads) {
#pragma omp parallel for schedule(static) num_threads(resolve_threads(n_threads))
    for (index_t i = 0; i < n; ++i) {
        const float* row = in + i * d;
        double s = 0.0;
        for (index_t j = 0; j < d; ++j) s += double(row[j]) * double(row[j]);
        const double norm = std::sqrt(s);
        norms[i] = float(norm);
        // the scale stays double: for a row of subnormals 1/norm overflows float32 (inf, NaN)
        const double inv = norm > 0.0 ? 1.0 / norm : 0.0;
        float* dst = out + i * d;
        for (index_t j = 0; j < d; ++j) dst[j] = float(double(row[j]) * inv);
    }
}

ENGINE_ISA_END
}  // namespace engine
