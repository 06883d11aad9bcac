// The compressed copies of csrc/scan_lowp.hpp: bf16 and int8 conversions, building a copy of a
// unit matrix (threaded), and compressing one call's queries the same way with the error bound
// E(q) each query gets (engine/compressed.py proves it). Also the macros that say which score
// kernels (csrc/lowp_scores.hpp) this path compiles.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "common.hpp"
#include "lowp_types.hpp"

#if defined(ENGINE_PATH_SPR) ||                                                                \
    (defined(__AVX512BF16__) && defined(__AVX512VNNI__) && defined(__AMX_TILE__) &&             \
     defined(__AMX_BF16__) && defined(__AMX_INT8__) && defined(ENGINE_AVX512))
#define ENGINE_LOWP_SPR 1
#endif
#if defined(__x86_64__) && (defined(ENGINE_PATH_AVX2) || defined(ENGINE_AVX512) || defined(__AVX2__))
#define ENGINE_LOWP_AVX2 1
#endif
#if defined(ENGINE_LOWP_SPR) || defined(ENGINE_LOWP_AVX2)
#include <immintrin.h>
#endif

namespace engine {
namespace lowp {
ENGINE_ISA_BEGIN

constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- conversions and rounding --------------------------------------------------------------------

// float -> bf16, round to nearest even; zero and subnormal inputs become (signed) zero, so no copy
// ever holds a bf16 subnormal (the BF16 instructions would read it as zero: DAZ).
inline std::uint16_t to_bf16(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) == 0) return static_cast<std::uint16_t>((u >> 16) & 0x8000u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}

inline float from_bf16(std::uint16_t h) {
    const std::uint32_t u = std::uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// The float nearest v from above / below (bounds stay bounds after the conversion).
inline float float_up(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) < v) f = std::nextafter(f, kInf);
    return f;
}
inline float float_down(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) > v) f = std::nextafter(f, -kInf);
    return f;
}

inline index_t packed_at(index_t r, index_t i, index_t dp, index_t group) {
    return (r / kBlock) * kBlock * dp + (i / group) * kBlock * group + (r % kBlock) * group + i % group;
}

// ---- building a copy --------------------------------------------------------------------------

// Row r of X (n x d, float32) into `out` (zeroed, padded_rows(n) x dp, packed) with its error
// ||x - x~||, ||x|| and ||x~||, each rounded up (float64 sums over d <= 10^6 terms are off by
// less than d * 2^-53 relative: the factor 1 + 1e-9 covers it). int8: scale = max|x| / 127 and
// codes round(x / scale) in [-127, 127] (never -128: the AVX2 kernel's sign trick needs it).
inline void compress(int kind, const float* X, index_t n, index_t d, index_t dp, void* out,
                     float* scale, std::int32_t* rowsum, float* err, float* norm, float* norm_copy,
                     int n_threads) {
    constexpr double slack = 1.0 + 1e-9;
#pragma omp parallel for schedule(static, 256) num_threads(resolve_threads(n_threads))
    for (index_t r = 0; r < n; ++r) {
        const float* x = X + r * d;
        double e2 = 0, n2 = 0, t2 = 0;
        if (kind == BF16) {
            auto* o = static_cast<std::uint16_t*>(out);
            for (index_t i = 0; i < d; ++i) {
                const std::uint16_t h = to_bf16(x[i]);
                o[packed_at(r, i, dp, 2)] = h;
                const double t = from_bf16(h), e = double(x[i]) - t;
                e2 += e * e, n2 += double(x[i]) * x[i], t2 += t * t;
            }
        } else {
            auto* o = static_cast<std::int8_t*>(out);
            float m = 0.f;
            for (index_t i = 0; i < d; ++i) m = std::max(m, std::fabs(x[i]));
            const float s = m / 127.f;
            std::int32_t sum = 0;
            for (index_t i = 0; i < d; ++i) {
                int c = s > 0.f ? static_cast<int>(std::nearbyint(x[i] / s)) : 0;
                c = std::min(127, std::max(-127, c));
                o[packed_at(r, i, dp, 4)] = static_cast<std::int8_t>(c);
                sum += c;
                const double t = double(s) * c, e = double(x[i]) - t;  // s * c: exact in float64
                e2 += e * e, n2 += double(x[i]) * x[i], t2 += t * t;
            }
            scale[r] = s;
            rowsum[r] = sum;
        }
        err[r] = float_up(std::sqrt(e2) * slack);
        norm[r] = float_up(std::sqrt(n2) * slack);
        norm_copy[r] = float_up(std::sqrt(t2) * slack);
    }
}

// ---- the queries of one call, compressed as the rows are ----------------------------------------

struct Queries {
    index_t nq = 0, nq_pad = 0, dp = 0;
    std::vector<std::uint16_t> bf;  // bf16: nq_pad x dp, row-major (AMX A tiles, vdpbf16ps)
    std::vector<float> bff;         // bf16: the same values as float32 (avx2, baseline)
    std::vector<std::int8_t> c;     // int8: codes, nq_pad x dp
    std::vector<std::uint8_t> cu;   // int8: codes + 128 (vpdpbusd multiplies u8 by s8)
    std::vector<float> scale;       // int8: per query
    std::vector<float> margin;      // 2 E(q), rounded up
    std::vector<double> base;       // E(q) without its row-error term ||q~|| Delta (an upper bound)
    std::vector<double> norm_copy;  // ||q~|| (an upper bound): E_r(q) = base + ||q~|| delta_r
};

inline double gamma(double m) {  // Higham's gamma_m for float32: m u / (1 - m u), u = 2^-24
    const double u = 0x1p-24;
    return m * u / (1.0 - m * u);
}

// E(q) (engine/compressed.py proves each term), times 2 and rounded up: the float32 kernel's own
// rounding (d terms, any order, + underflow), the query's and the row's compression errors, and
// the compressed dot product's rounding (bf16: 2 dp roundings with flush to zero; int8: the exact
// integer dot times two float32 products).
// E(q) less its row-error term ||q~|| Delta, the one term that varies with the row's own
// delta_r (the norms are bounded by their maxima, which for unit rows differ little).
inline double bound_base(const Copy& c, double nq, double nq_copy, double dq) {
    const double d = static_cast<double>(c.d), dp = static_cast<double>(c.dp);
    double e = gamma(d + 16) * nq * c.max_norm + (d + 16) * 0x1p-149;
    e += dq * c.max_norm;
    if (c.kind == BF16)
        e += gamma(2 * dp + 2) * nq_copy * c.max_norm_copy + (4 * dp + 8) * 0x1p-126;
    else
        e += gamma(4) * nq_copy * c.max_norm_copy + 0x1p-100;
    return e;
}

inline float margin(const Copy& c, double nq, double nq_copy, double dq) {
    return float_up(2.0 * (bound_base(c, nq, nq_copy, dq) + nq_copy * c.max_err) * (1.0 + 1e-9));
}

// E_r(q) = base + ||q~|| delta_r for row r (engine/compressed.py, "The per-row refinement"), the
// 1e-9 slack covering the few float64 roundings of its evaluation.
inline double row_bound(const Copy& c, const Queries& P, index_t j, index_t r) {
    const double delta = c.err ? double(c.err[r]) : c.max_err;
    return (P.base[j] + P.norm_copy[j] * delta) * (1.0 + 1e-9);
}

inline void prepare(const Copy& cp, const float* Q, index_t nq, Queries& P, int n_threads) {
    const index_t d = cp.d, dp = cp.dp;
    P.nq = nq, P.dp = dp, P.nq_pad = (nq + 31) / 32 * 32;
    const size_t len = static_cast<size_t>(P.nq_pad) * dp;
    if (cp.kind == BF16) {
        P.bf.assign(len, 0);
        P.bff.assign(len, 0.f);
    } else {
        P.c.assign(len, 0);
        P.cu.assign(len, 128);
        P.scale.assign(P.nq_pad, 0.f);
    }
    P.margin.assign(nq, 0.f);
    P.base.assign(nq, 0.0);
    P.norm_copy.assign(nq, 0.0);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(n_threads))
    for (index_t j = 0; j < nq; ++j) {
        const float* q = Q + j * d;
        double n2 = 0, t2 = 0, e2 = 0;
        if (cp.kind == BF16) {
            for (index_t i = 0; i < d; ++i) {
                const std::uint16_t h = to_bf16(q[i]);
                P.bf[j * dp + i] = h;
                P.bff[j * dp + i] = from_bf16(h);
                const double t = from_bf16(h), e = double(q[i]) - t;
                n2 += double(q[i]) * q[i], t2 += t * t, e2 += e * e;
            }
        } else {
            float m = 0.f;
            for (index_t i = 0; i < d; ++i) m = std::max(m, std::fabs(q[i]));
            const float s = m / 127.f;
            P.scale[j] = s;
            for (index_t i = 0; i < d; ++i) {
                int c = s > 0.f ? static_cast<int>(std::nearbyint(q[i] / s)) : 0;
                c = std::min(127, std::max(-127, c));
                P.c[j * dp + i] = static_cast<std::int8_t>(c);
                P.cu[j * dp + i] = static_cast<std::uint8_t>(c + 128);
                const double t = double(s) * c, e = double(q[i]) - t;
                n2 += double(q[i]) * q[i], t2 += t * t, e2 += e * e;
            }
        }
        constexpr double slack = 1.0 + 1e-9;
        const double qn = std::sqrt(n2) * slack, qt = std::sqrt(t2) * slack, qe = std::sqrt(e2) * slack;
        P.margin[j] = margin(cp, qn, qt, qe);
        P.base[j] = bound_base(cp, qn, qt, qe);
        P.norm_copy[j] = qt;
    }
}

ENGINE_ISA_END
}  // namespace lowp
}  // namespace engine
