// Meta-embedding projection: build the combined matrix of several sources block by block.
//
// For every output row i and every source s the kernel gathers the source's row idx_s[i]
// (idx >= 0: a row of the source matrix; idx <= -2: row -idx-2 of the source's precomputed
// fills, e.g. fastText n-gram vectors; idx == -1: missing), unit-normalises it, fills a missing
// row from the sources present through learned linear maps (or leaves it zero), scales it by
// the source's weight, projects it (a D_s x W_s matrix, or the identity) into its column slot
// of the output and adds it there; finally every output row is unit-normalised.
// The concatenation of all sources is never materialised: a thread holds one block of rows.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "types.hpp"

namespace engine {

ENGINE_ISA_BEGIN

namespace meta_detail {

constexpr int kLanes = 16;           // floats per vector register (AVX-512); GCC splits if narrower
constexpr int kVecs = 2;             // vector registers per panel row
constexpr int kPanel = kVecs * kLanes;  // output columns per packed panel
constexpr int kRows = 12;            // rows per register block: kRows x kVecs accumulators
constexpr index_t kChunk = 256;      // k values per pass: a panel chunk (32 KB) stays in L1
typedef float vfloat __attribute__((vector_size(kLanes * sizeof(float))));
typedef float vfloat_u __attribute__((vector_size(kLanes * sizeof(float)), aligned(4)));  // unaligned access

// P (K x W, row-major) rearranged into panels of kPanel columns, zero-padded: panel p holds
// P[k][p*kPanel + j] at packed[(p*K + k)*kPanel + j], so the inner loop reads contiguously.
inline std::vector<float> pack_panels(const float* P, index_t K, index_t W) {
    const index_t panels = (W + kPanel - 1) / kPanel;
    std::vector<float> packed(std::size_t(panels * K * kPanel), 0.0f);
    for (index_t p = 0; p < panels; ++p) {
        const index_t j0 = p * kPanel, jw = std::min<index_t>(kPanel, W - j0);
        for (index_t k = 0; k < K; ++k)
            std::memcpy(&packed[std::size_t((p * K + k) * kPanel)], P + k * W + j0,
                        std::size_t(jw) * sizeof(float));
    }
    return packed;
}

// C[r][j] += alpha * sum_k A[r][k] * panel[k][j] for R rows, k in [0, kn), one panel.
// Register-blocked: the R x kVecs accumulators stay in registers over the whole k loop
// (each panel load feeds R FMAs, each broadcast kVecs).
template <int R>
inline void panel_rows(const float* A, index_t lda, const float* panel, index_t kn, float alpha,
                       float* C, index_t ldc, index_t jw) {
    vfloat acc[R][kVecs];
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < kVecs; ++v) acc[r][v] = vfloat{};
    for (index_t k = 0; k < kn; ++k) {
        vfloat p[kVecs];
        for (int v = 0; v < kVecs; ++v) p[v] = *reinterpret_cast<const vfloat_u*>(panel + k * kPanel + v * kLanes);
        for (int r = 0; r < R; ++r) {
            const float a = A[r * lda + k];
            for (int v = 0; v < kVecs; ++v) acc[r][v] += a * p[v];
        }
    }
    for (int r = 0; r < R; ++r) {
        float tmp[kPanel];
        for (int v = 0; v < kVecs; ++v) *reinterpret_cast<vfloat_u*>(tmp + v * kLanes) = acc[r][v];
        float* c = C + r * ldc;
        for (index_t j = 0; j < jw; ++j) c[j] += alpha * tmp[j];
    }
}

// C (nb x W slot, leading dimension ldc) += alpha * A (nb x K) * P, P given packed.
inline void gemm_packed(const float* A, index_t nb, index_t K, const float* packed, index_t W,
                        float alpha, float* C, index_t ldc) {
    const index_t panels = (W + kPanel - 1) / kPanel;
    for (index_t p = 0; p < panels; ++p) {
        const index_t j0 = p * kPanel, jw = std::min<index_t>(kPanel, W - j0);
        for (index_t k0 = 0; k0 < K; k0 += kChunk) {
            const index_t kn = std::min(kChunk, K - k0);
            const float* panel = packed + (p * K + k0) * kPanel;
            index_t i = 0;
            for (; i + kRows <= nb; i += kRows)
                panel_rows<kRows>(A + i * K + k0, K, panel, kn, alpha, C + i * ldc + j0, ldc, jw);
            for (; i < nb; ++i)
                panel_rows<1>(A + i * K + k0, K, panel, kn, alpha, C + i * ldc + j0, ldc, jw);
        }
    }
}

// Sum of squares: float lanes (vectorised; 16 + 16 partial sums keep the error near 1e-7
// relative for any realistic dimension), lanes added in double.
inline double sumsq(const float* x, index_t n) {
    vfloat a0{}, a1{};
    index_t j = 0;
    for (; j + 2 * kLanes <= n; j += 2 * kLanes) {
        const vfloat u = *reinterpret_cast<const vfloat_u*>(x + j);
        const vfloat v = *reinterpret_cast<const vfloat_u*>(x + j + kLanes);
        a0 += u * u;
        a1 += v * v;
    }
    double s = 0.0;
    for (int l = 0; l < kLanes; ++l) s += double(a0[l]) + double(a1[l]);
    for (; j < n; ++j) s += double(x[j]) * double(x[j]);
    return s;
}

// Unit-normalise n floats in place; returns false for a zero vector.
inline bool unit(float* x, index_t n) {
    const double s = sumsq(x, n);
    if (!(s > 0.0)) {
        std::fill(x, x + n, 0.0f);
        return false;
    }
    const float inv = float(1.0 / std::sqrt(s));
    for (index_t j = 0; j < n; ++j) x[j] *= inv;
    return true;
}

}  // namespace meta_detail

// kMetaBlock (csrc/types.hpp), the default of build_meta's `block`, is whole register blocks.
static_assert(kMetaBlock % meta_detail::kRows == 0, "a block is whole register blocks");

// Build the meta matrix `out` (n x d_out, row-major, overwritten) and its per-row norms before
// the final normalisation (0 marks a row with nothing in it).
// fill_maps[t * S + s]: the D_t x D_s linear map predicting source s from source t, or nullptr
// (no map: that pair does not fill). A missing row of s becomes the mean of the maps' outputs
// over the present sources, unit-normalised; with no usable map it stays zero.
inline void build_meta(const std::vector<MetaSource>& src, const std::vector<const float*>& fill_maps,
                       float* out, float* norms, index_t n, index_t d_out, index_t block,
                       int n_threads) {
    using namespace meta_detail;
    const index_t S = index_t(src.size());
    if (block < 1) block = kMetaBlock;
    std::vector<std::vector<float>> packed(S);
    for (index_t s = 0; s < S; ++s)
        if (src[s].proj) packed[s] = pack_panels(src[s].proj, src[s].dim, src[s].width);
    bool any_map = false;
    index_t max_dim = 0;
    for (index_t s = 0; s < S; ++s) max_dim = std::max(max_dim, src[s].dim);
    std::vector<std::vector<float>> packed_maps(fill_maps.size());
    for (std::size_t k = 0; k < fill_maps.size(); ++k)
        if (fill_maps[k]) {
            const index_t t = index_t(k) / S, s = index_t(k) % S;
            packed_maps[k] = pack_panels(fill_maps[k], src[t].dim, src[s].dim);
            any_map = true;
        }
    const index_t n_blocks = (n + block - 1) / block;

#pragma omp parallel num_threads(resolve_threads(n_threads))
    {
        std::vector<std::vector<float>> buf(S);
        for (index_t s = 0; s < S; ++s) buf[s].resize(std::size_t(block * src[s].dim));
        std::vector<unsigned char> present(std::size_t(block * S));
        std::vector<index_t> miss;
        miss.reserve(std::size_t(block));
        std::vector<unsigned char> used(static_cast<std::size_t>(block), 0);
        std::vector<float> gather(any_map ? std::size_t(block * max_dim) : 0);
        std::vector<float> fillbuf(any_map ? std::size_t(block * max_dim) : 0);

#pragma omp for schedule(dynamic, 1)
        for (index_t b = 0; b < n_blocks; ++b) {
            const index_t r0 = b * block, nb = std::min(block, n - r0);
            // gather + normalise
            for (index_t s = 0; s < S; ++s) {
                const MetaSource& m = src[s];
                for (index_t i = 0; i < nb; ++i) {
                    const std::int64_t id = m.idx[r0 + i];
                    float* dst = buf[s].data() + i * m.dim;
                    const float* row = id >= 0 ? m.rows + id * m.dim
                                     : id <= -2 ? m.extra + (-id - 2) * m.dim : nullptr;
                    if (row) {
                        std::memcpy(dst, row, std::size_t(m.dim) * sizeof(float));
                        present[i * S + s] = unit(dst, m.dim);
                    } else {
                        std::fill(dst, dst + m.dim, 0.0f);
                        present[i * S + s] = 0;
                    }
                }
            }
            // fill missing rows from the gathered ones only (`present` is not updated), so a fill
            // never feeds another fill and the result does not depend on source order. Batched:
            // the block's rows lacking s, their vectors in source t gathered, one GEMM per map.
            if (any_map) {
                for (index_t s = 0; s < S; ++s) {
                    const index_t Ds = src[s].dim;
                    miss.clear();
                    for (index_t i = 0; i < nb; ++i)
                        if (!present[i * S + s] && src[s].idx[r0 + i] == -1) miss.push_back(i);
                    if (miss.empty()) continue;
                    const index_t m = index_t(miss.size());
                    std::fill(fillbuf.begin(), fillbuf.begin() + m * Ds, 0.0f);
                    std::fill(used.begin(), used.begin() + m, 0);
                    for (index_t t = 0; t < S; ++t) {
                        if (t == s || packed_maps[std::size_t(t * S + s)].empty()) continue;
                        const index_t Dt = src[t].dim;
                        bool any = false;
                        for (index_t k = 0; k < m; ++k) {
                            const index_t i = miss[std::size_t(k)];
                            float* g = gather.data() + k * Dt;
                            if (present[i * S + t]) {
                                std::memcpy(g, buf[t].data() + i * Dt, std::size_t(Dt) * sizeof(float));
                                used[std::size_t(k)] = 1;
                                any = true;
                            } else {
                                std::fill(g, g + Dt, 0.0f);
                            }
                        }
                        if (any)
                            gemm_packed(gather.data(), m, Dt, packed_maps[std::size_t(t * S + s)].data(), Ds,
                                        1.0f, fillbuf.data(), Ds);
                    }
                    for (index_t k = 0; k < m; ++k) {
                        if (!used[std::size_t(k)]) continue;
                        float* dst = buf[s].data() + miss[std::size_t(k)] * Ds;
                        std::memcpy(dst, fillbuf.data() + k * Ds, std::size_t(Ds) * sizeof(float));
                        unit(dst, Ds);  // the mean's direction = the sum's
                    }
                }
            }
            // combine: out rows start at zero, every source adds into its slot
            float* o = out + r0 * d_out;
            std::fill(o, o + nb * d_out, 0.0f);
            for (index_t s = 0; s < S; ++s) {
                const MetaSource& m = src[s];
                const float* u = buf[s].data();
                if (m.proj) {
                    gemm_packed(u, nb, m.dim, packed[s].data(), m.width, m.scale, o + m.offset, d_out);
                } else {
                    for (index_t i = 0; i < nb; ++i) {
                        float* dst = o + i * d_out + m.offset;
                        const float* ui = u + i * m.dim;
                        for (index_t j = 0; j < m.dim; ++j) dst[j] += m.scale * ui[j];
                    }
                }
            }
            for (index_t i = 0; i < nb; ++i) {
                float* row = o + i * d_out;
                const double nr = std::sqrt(sumsq(row, d_out));
                norms[r0 + i] = float(nr);
                const float inv = nr > 0.0 ? float(1.0 / nr) : 0.0f;
                for (index_t j = 0; j < d_out; ++j) row[j] *= inv;
            }
        }
    }
}

ENGINE_ISA_END
}  // namespace engine
