// The score kernels of csrc/scan_lowp.hpp: S[j * 16 + l] (or S[j * 32 + l] for AMX) = the
// compressed score of query j and row l of a 16- (32-) row block of the packed copy. spr:
// vdpbf16ps / vpdpbusd for a few queries, AMX tiles beyond; avx2 and avx512: bf16 widened by
// shifts and FMA, int8 by vpmaddubsw; baseline: scalar. Every one stays within the bound's
// rounding count (engine/compressed.py).
#pragma once
#include <cstdint>
#include <cstring>

#include "lowp_copy.hpp"

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

ENGINE_ISA_END
}  // namespace lowp
}  // namespace engine

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
