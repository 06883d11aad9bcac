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
#include <cstring>
#include <limits>
#include <vector>

#include "common.hpp"
#include "lowp_types.hpp"
#include "topk.hpp"

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
};

inline double gamma(double m) {  // Higham's gamma_m for float32: m u / (1 - m u), u = 2^-24
    const double u = 0x1p-24;
    return m * u / (1.0 - m * u);
}

// E(q) (engine/compressed.py proves each term), times 2 and rounded up: the float32 kernel's own
// rounding (d terms, any order, + underflow), the query's and the row's compression errors, and
// the compressed dot product's rounding (bf16: 2 dp roundings with flush to zero; int8: the exact
// integer dot times two float32 products).
inline float margin(const Copy& c, double nq, double nq_copy, double dq) {
    const double d = static_cast<double>(c.d), dp = static_cast<double>(c.dp);
    double e = gamma(d + 16) * nq * c.max_norm + (d + 16) * 0x1p-149;
    e += dq * c.max_norm + nq_copy * c.max_err;
    if (c.kind == BF16)
        e += gamma(2 * dp + 2) * nq_copy * c.max_norm_copy + (4 * dp + 8) * 0x1p-126;
    else
        e += gamma(4) * nq_copy * c.max_norm_copy + 0x1p-100;
    return float_up(2.0 * e * (1.0 + 1e-9));
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
        P.margin[j] = margin(cp, std::sqrt(n2) * slack, std::sqrt(t2) * slack, std::sqrt(e2) * slack);
    }
}

// ---- score kernels: S[j * 16 + l] = s~(query j0 + j, row 16 * blk + l) ---------------------------

inline std::uint32_t word(const void* p) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}

#if defined(ENGINE_LOWP_SPR)
// Two accumulators per query (even and odd groups; dp / 2 and dp / 4 are even): a few queries
// would otherwise wait on one dependency chain of dot-product latencies. The one extra add keeps
// the bf16 rounding count within the bound's 2 dp + 2.
template <int NJ>
void vert_bf16(const std::uint16_t* xb, index_t dp, const std::uint16_t* q, float* S) {
    __m512 acc[NJ], acc1[NJ];
    for (int j = 0; j < NJ; ++j) acc[j] = acc1[j] = _mm512_setzero_ps();
    for (index_t g = 0; g < dp / 2; g += 2) {
        const __m512i x0 = _mm512_loadu_si512(xb + g * 32);
        const __m512i x1 = _mm512_loadu_si512(xb + g * 32 + 32);
        for (int j = 0; j < NJ; ++j) {
            const __m512i q0 = _mm512_set1_epi32(static_cast<int>(word(q + j * dp + 2 * g)));
            const __m512i q1 = _mm512_set1_epi32(static_cast<int>(word(q + j * dp + 2 * g + 2)));
            acc[j] = _mm512_dpbf16_ps(acc[j], (__m512bh)x0, (__m512bh)q0);
            acc1[j] = _mm512_dpbf16_ps(acc1[j], (__m512bh)x1, (__m512bh)q1);
        }
    }
    for (int j = 0; j < NJ; ++j) _mm512_storeu_ps(S + j * 16, _mm512_add_ps(acc[j], acc1[j]));
}

template <int NJ>
void vert_int8(const std::int8_t* xb, index_t dp, const std::uint8_t* qu, const float* qs,
               const float* rs, const std::int32_t* sums, float* S) {
    __m512i acc[NJ], acc1[NJ];
    for (int j = 0; j < NJ; ++j) acc[j] = acc1[j] = _mm512_setzero_si512();
    for (index_t g = 0; g < dp / 4; g += 2) {
        const __m512i x0 = _mm512_loadu_si512(xb + g * 64);
        const __m512i x1 = _mm512_loadu_si512(xb + g * 64 + 64);
        for (int j = 0; j < NJ; ++j) {
            const std::uint8_t* qj = qu + j * dp + 4 * g;
            acc[j] = _mm512_dpbusd_epi32(acc[j], _mm512_set1_epi32(static_cast<int>(word(qj))), x0);
            acc1[j] = _mm512_dpbusd_epi32(acc1[j], _mm512_set1_epi32(static_cast<int>(word(qj + 4))), x1);
        }
    }
    for (int j = 0; j < NJ; ++j) acc[j] = _mm512_add_epi32(acc[j], acc1[j]);
    // (c + 128) . x = c . x + 128 sum(x): the offset comes off exactly, in int32
    const __m512i off = _mm512_slli_epi32(_mm512_loadu_si512(sums), 7);
    const __m512 sc = _mm512_loadu_ps(rs);
    for (int j = 0; j < NJ; ++j) {
        const __m512 dot = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[j], off));
        _mm512_storeu_ps(S + j * 16, _mm512_mul_ps(dot, _mm512_mul_ps(_mm512_set1_ps(qs[j]), sc)));
    }
}
constexpr int kVertMax = 8;
#elif defined(ENGINE_LOWP_AVX2)
template <int NJ>
void vert_bf16(const std::uint16_t* xb, index_t dp, const float* qf, float* S) {
    __m256 a0[NJ], a1[NJ];
    for (int j = 0; j < NJ; ++j) a0[j] = a1[j] = _mm256_setzero_ps();
    const __m256i hi = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
    for (index_t g = 0; g < dp / 2; ++g) {
        const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + g * 32));
        const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + g * 32 + 16));
        const __m256 e0 = _mm256_castsi256_ps(_mm256_slli_epi32(v0, 16));
        const __m256 o0 = _mm256_castsi256_ps(_mm256_and_si256(v0, hi));
        const __m256 e1 = _mm256_castsi256_ps(_mm256_slli_epi32(v1, 16));
        const __m256 o1 = _mm256_castsi256_ps(_mm256_and_si256(v1, hi));
        for (int j = 0; j < NJ; ++j) {
            const __m256 qa = _mm256_set1_ps(qf[j * dp + 2 * g]), qb = _mm256_set1_ps(qf[j * dp + 2 * g + 1]);
            a0[j] = _mm256_fmadd_ps(o0, qb, _mm256_fmadd_ps(e0, qa, a0[j]));
            a1[j] = _mm256_fmadd_ps(o1, qb, _mm256_fmadd_ps(e1, qa, a1[j]));
        }
    }
    for (int j = 0; j < NJ; ++j) {
        _mm256_storeu_ps(S + j * 16, a0[j]);
        _mm256_storeu_ps(S + j * 16 + 8, a1[j]);
    }
}

template <int NJ>
void vert_int8(const std::int8_t* xb, index_t dp, const std::int8_t* qc, const float* qs,
               const float* rs, float* S) {
    __m256i a0[NJ], a1[NJ];
    for (int j = 0; j < NJ; ++j) a0[j] = a1[j] = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi16(1);
    for (index_t g = 0; g < dp / 4; ++g) {
        const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + g * 64));
        const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + g * 64 + 32));
        for (int j = 0; j < NJ; ++j) {
            // |q| (u8) times x with q's sign: pairs sum to at most 2 * 127 * 127, no saturation
            const __m256i qv = _mm256_set1_epi32(static_cast<int>(word(qc + j * dp + 4 * g)));
            const __m256i aq = _mm256_abs_epi8(qv);
            a0[j] = _mm256_add_epi32(a0[j], _mm256_madd_epi16(_mm256_maddubs_epi16(aq, _mm256_sign_epi8(v0, qv)), ones));
            a1[j] = _mm256_add_epi32(a1[j], _mm256_madd_epi16(_mm256_maddubs_epi16(aq, _mm256_sign_epi8(v1, qv)), ones));
        }
    }
    const __m256 s0 = _mm256_loadu_ps(rs), s1 = _mm256_loadu_ps(rs + 8);
    for (int j = 0; j < NJ; ++j) {
        const __m256 qsj = _mm256_set1_ps(qs[j]);
        _mm256_storeu_ps(S + j * 16, _mm256_mul_ps(_mm256_cvtepi32_ps(a0[j]), _mm256_mul_ps(qsj, s0)));
        _mm256_storeu_ps(S + j * 16 + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(a1[j]), _mm256_mul_ps(qsj, s1)));
    }
}
constexpr int kVertMax = 4;
#else
template <int NJ>
void vert_bf16(const std::uint16_t* xb, index_t dp, const float* qf, float* S) {
    for (int j = 0; j < NJ; ++j) {
        float acc[16] = {};
        for (index_t g = 0; g < dp / 2; ++g)
            for (int l = 0; l < 16; ++l)
                acc[l] += from_bf16(xb[g * 32 + l * 2]) * qf[j * dp + 2 * g] +
                          from_bf16(xb[g * 32 + l * 2 + 1]) * qf[j * dp + 2 * g + 1];
        std::memcpy(S + j * 16, acc, sizeof(acc));
    }
}

template <int NJ>
void vert_int8(const std::int8_t* xb, index_t dp, const std::int8_t* qc, const float* qs,
               const float* rs, float* S) {
    for (int j = 0; j < NJ; ++j) {
        std::int32_t acc[16] = {};
        for (index_t g = 0; g < dp / 4; ++g)
            for (int l = 0; l < 16; ++l)
                for (int w = 0; w < 4; ++w) acc[l] += int(xb[g * 64 + l * 4 + w]) * int(qc[j * dp + 4 * g + w]);
        for (int l = 0; l < 16; ++l) S[j * 16 + l] = static_cast<float>(acc[l]) * (qs[j] * rs[l]);
    }
}
constexpr int kVertMax = 4;
#endif

// Scores of queries j0 .. j0 + nj (nj <= kVertMax) for the 16 rows of block blk.
template <int NJ>
void vert(const Copy& c, const Queries& P, index_t blk, index_t j0, float* S) {
    const index_t dp = c.dp;
    if (c.kind == BF16) {
        const auto* xb = static_cast<const std::uint16_t*>(c.data) + blk * kBlock * dp;
#if defined(ENGINE_LOWP_SPR)
        vert_bf16<NJ>(xb, dp, P.bf.data() + j0 * dp, S);
#else
        vert_bf16<NJ>(xb, dp, P.bff.data() + j0 * dp, S);
#endif
    } else {
        const auto* xb = static_cast<const std::int8_t*>(c.data) + blk * kBlock * dp;
        const float* rs = c.scale + blk * kBlock;
#if defined(ENGINE_LOWP_SPR)
        vert_int8<NJ>(xb, dp, P.cu.data() + j0 * dp, P.scale.data() + j0, rs, c.rowsum + blk * kBlock, S);
#else
        vert_int8<NJ>(xb, dp, P.c.data() + j0 * dp, P.scale.data() + j0, rs, S);
#endif
    }
}

inline void vert_n(const Copy& c, const Queries& P, index_t blk, index_t j0, index_t nj, float* S) {
    switch (nj) {
        case 1: return vert<1>(c, P, blk, j0, S);
        case 2: return vert<2>(c, P, blk, j0, S);
        case 3: return vert<3>(c, P, blk, j0, S);
        case 4: return vert<4>(c, P, blk, j0, S);
#if defined(ENGINE_LOWP_SPR)
        case 5: return vert<5>(c, P, blk, j0, S);
        case 6: return vert<6>(c, P, blk, j0, S);
        case 7: return vert<7>(c, P, blk, j0, S);
        case 8: return vert<8>(c, P, blk, j0, S);
#endif
        default: return;
    }
}

#if defined(ENGINE_LOWP_SPR)
// AMX: S[q * 32 + r] for the 32 queries j0.. (of the padded queries) and the 32 rows of blocks
// blk, blk + 1. Tiles 0-3 accumulate, 4-5 hold queries (A), 6-7 row slabs (B: already in the
// copy's layout). The thread must have loaded the configuration (amx_config).
struct alignas(64) TileConfig {
    std::uint8_t palette = 1, start_row = 0;
    std::uint8_t reserved[14] = {};
    std::uint16_t colsb[16] = {};
    std::uint8_t rows[16] = {};
};

inline void amx_config() {
    TileConfig cfg;
    for (int t = 0; t < 8; ++t) cfg.colsb[t] = 64, cfg.rows[t] = 16;
    _tile_loadconfig(&cfg);
}

inline void amx_scores(const Copy& c, const Queries& P, index_t blk, index_t j0, float* S) {
    const index_t dp = c.dp;
    alignas(64) std::int32_t I[32 * 32];
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    if (c.kind == BF16) {
        const auto* x0 = static_cast<const std::uint16_t*>(c.data) + blk * kBlock * dp;
        const auto* x1 = x0 + kBlock * dp;
        const std::uint16_t* q = P.bf.data() + j0 * dp;
        for (index_t ks = 0; ks < dp / 32; ++ks) {
            _tile_loadd(4, q + ks * 32, dp * 2);
            _tile_loadd(5, q + 16 * dp + ks * 32, dp * 2);
            _tile_loadd(6, x0 + ks * 512, 64);
            _tile_loadd(7, x1 + ks * 512, 64);
            _tile_dpbf16ps(0, 4, 6);
            _tile_dpbf16ps(1, 4, 7);
            _tile_dpbf16ps(2, 5, 6);
            _tile_dpbf16ps(3, 5, 7);
        }
        _tile_stored(0, S, 128);
        _tile_stored(1, S + 16, 128);
        _tile_stored(2, S + 16 * 32, 128);
        _tile_stored(3, S + 16 * 32 + 16, 128);
        return;
    }
    const auto* x0 = static_cast<const std::int8_t*>(c.data) + blk * kBlock * dp;
    const auto* x1 = x0 + kBlock * dp;
    const std::int8_t* q = P.c.data() + j0 * dp;
    for (index_t ks = 0; ks < dp / 64; ++ks) {
        _tile_loadd(4, q + ks * 64, dp);
        _tile_loadd(5, q + 16 * dp + ks * 64, dp);
        _tile_loadd(6, x0 + ks * 1024, 64);
        _tile_loadd(7, x1 + ks * 1024, 64);
        _tile_dpbssd(0, 4, 6);
        _tile_dpbssd(1, 4, 7);
        _tile_dpbssd(2, 5, 6);
        _tile_dpbssd(3, 5, 7);
    }
    _tile_stored(0, I, 128);
    _tile_stored(1, I + 16, 128);
    _tile_stored(2, I + 16 * 32, 128);
    _tile_stored(3, I + 16 * 32 + 16, 128);
    const float* rs = c.scale + blk * kBlock;
    for (int j = 0; j < 32; ++j) {
        const __m512 qs = _mm512_set1_ps(P.scale[j0 + j]);
        for (int h = 0; h < 2; ++h) {
            const __m512 dot = _mm512_cvtepi32_ps(_mm512_load_si512(I + j * 32 + h * 16));
            _mm512_storeu_ps(S + j * 32 + h * 16, _mm512_mul_ps(dot, _mm512_mul_ps(qs, _mm512_loadu_ps(rs + h * 16))));
        }
    }
}
#endif

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

// Query j's answer from every thread's heap and candidates: the final cut, the re-score, top k.
inline index_t finish(const Rows32& R, const float* q, index_t k, float margin,
                      const std::vector<const Hit*>& heaps, const std::vector<index_t>& heap_n,
                      const std::vector<const std::vector<Hit>*>& cands, float* os, std::int64_t* oi) {
    std::vector<float> best;
    for (size_t u = 0; u < heaps.size(); ++u)
        for (index_t i = 0; i < heap_n[u]; ++i) best.push_back(heaps[u][i].score);
    float cut = -kInf;
    if (static_cast<index_t>(best.size()) >= k) {
        std::nth_element(best.begin(), best.begin() + (k - 1), best.end(), std::greater<float>());
        cut = float_down(double(best[k - 1]) - double(margin));
    }
    std::vector<Hit> all;
    std::vector<float> buf(static_cast<size_t>(R.d));
    for (const auto* cv : cands)
        for (const Hit& h : *cv)
            if (h.score >= cut) all.push_back({score32(R, h.id, q, buf.data()), h.id});
    const index_t got = std::min<index_t>(k, static_cast<index_t>(all.size()));
    std::partial_sort(all.begin(), all.begin() + got, all.end(), ranks_before);
    for (index_t i = 0; i < k; ++i) {
        os[i] = i < got ? all[i].score : -kInf;
        oi[i] = i < got ? all[i].id : -1;
    }
    return static_cast<index_t>(all.size());
}

struct Plan {
    index_t tile;   // rows per tile handed to a thread (a multiple of 32)
    index_t block;  // queries per block (all threads scan the matrix once per block)
    bool amx;
};

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
                std::vector<const Hit*> hp(T);
                std::vector<index_t> hn(T);
                std::vector<const std::vector<Hit>*> cv(T);
                for (int u = 0; u < T; ++u) {
                    const size_t slot = static_cast<size_t>(u) * qblock + j;
                    hp[u] = heaps.data() + slot * k, hn[u] = heap_n[slot], cv[u] = &cands[slot];
                }
                const index_t g = i0 + j;
                n_rescored[g] = finish(rows32, Q + g * c.d, k, P.margin[g], hp, hn, cv,
                                       out_scores + g * k, out_ids + g * k);
            }
        }
#if defined(ENGINE_LOWP_SPR)
        if (amx) _tile_release();
#endif
    }
}

ENGINE_ISA_END
}  // namespace lowp
}  // namespace engine

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
