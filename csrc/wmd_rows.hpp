// The WMD of one pair straight from float32 word rows: the word-to-word costs in float32 (SIMD
// dot products, 16 lanes in a fixed order), the transport problem solved on them, and the plan
// found priced again in float64, from the same rows (csrc/emd.hpp, EmdSolver::plan_cost).
//
// Why that is exact enough: a float32 cost |x - y| = sqrt(|x|^2 + |y|^2 - 2 x.y) is off by at
// most about 2e-6 absolute for unit vectors of a few hundred dimensions (float32 lanes of about
// 24 products, then a 16-way tree); an entry whose expansion cancels (|x - y|^2 below 1e-3 of
// |x|^2 + |y|^2) is computed directly instead. The plan the solver returns is optimal for costs
// within that error of the float64 ones, so its float64 price is at least the float64 optimum
// and at most twice the largest cost error above it; in practice the plan is the float64
// optimum's own and the result agrees with a float64 solve to rounding. The one-pair rules of
// gensim (inf for an empty side or all costs near zero, 0 for the same single word) are decided
// in float64: near that threshold, or when every float32 cost is equal, the pair is solved on
// float64 costs throughout.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common.hpp"
#include "emd.hpp"
#include "types.hpp"
#include "wmd.hpp"

namespace engine {
ENGINE_ISA_BEGIN

namespace rows32 {

using Lanes16 = Lanes<float, 16>;  // csrc/wmd.hpp
constexpr int kFloatWidth = Lanes16::width;    // floats per register
constexpr int kFloatPieces = Lanes16::pieces;  // registers per 16 lanes
typedef Lanes16::reg fvreg;
typedef Lanes16::reg_u fvreg_u;

inline float hsum16(const Lanes16& v) {
    return (((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))) +
           (((v[8] + v[9]) + (v[10] + v[11])) + ((v[12] + v[13]) + (v[14] + v[15])));
}

// out[r * C + c] = dot(A[r], B[c]) in float32: lane l sums the products of dimensions l, l + 16,
// ... in order, the lanes meet in a fixed tree, the tail (dim % 16) is added last in order. The
// same bits on every path (up to fused multiply-adds) and for every block shape.
template <int R, int C>
__attribute__((always_inline)) inline void dot_block(const float* const* A, const float* const* B,
                                                     std::int64_t dim, float* out) {
    Lanes16 acc[R][C];
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c)
            for (int p = 0; p < kFloatPieces; ++p) acc[r][c].r[p] = fvreg{};
    const std::int64_t full = dim / 16 * 16;
    for (std::int64_t t = 0; t < full; t += 16) {
        fvreg a[R][kFloatPieces];
        for (int r = 0; r < R; ++r)
            for (int p = 0; p < kFloatPieces; ++p)
                a[r][p] = *reinterpret_cast<const fvreg_u*>(A[r] + t + p * kFloatWidth);
        for (int c = 0; c < C; ++c)
            for (int p = 0; p < kFloatPieces; ++p) {
                const fvreg b = *reinterpret_cast<const fvreg_u*>(B[c] + t + p * kFloatWidth);
                for (int r = 0; r < R; ++r) acc[r][c].r[p] += a[r][p] * b;
            }
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            float s = hsum16(acc[r][c]);
            for (std::int64_t t = full; t < dim; ++t) s += A[r][t] * B[c][t];
            out[r * C + c] = s;
        }
}

// Rows x columns per block, the fastest measured on each path without spilling accumulators:
// 4 x 4 (16 of AVX-512's 32 registers), 3 x 2 (12 of AVX2's 16), 1 x 2 (8 of SSE's 16). A short
// pair's 32 x 30 costs of 384 dimensions: 16 us (AVX-512), 24 us (AVX2), 34 us (SSE4.2).
constexpr int kRowsPerBlock = kFloatPieces == 1 ? 4 : kFloatPieces == 2 ? 3 : 1;
constexpr int kColsPerBlock = kFloatPieces == 1 ? 4 : 2;

// The float64 distance of two rows, each times its scale in float32 first (the raw vector of a
// unit row and its norm, as Vectors.get_vector(norm=False) gives it); the differences in float64,
// squared and summed in 8 lanes (dimensions l, l + 8, ...) meeting in a fixed tree, the tail last.
// (The double lanes are csrc/wmd.hpp's: vreg, kLaneWidth doubles per register, kPieces.)
typedef float hvreg __attribute__((vector_size(ENGINE_VECTOR_BYTES / 2)));  // kLaneWidth floats
typedef float hvreg_u __attribute__((vector_size(ENGINE_VECTOR_BYTES / 2), aligned(4), may_alias));

inline double exact_distance(const float* x, float sx, const float* y, float sy, std::int64_t dim) {
    Lanes8 acc;
    for (int p = 0; p < kPieces; ++p) acc.r[p] = vreg{};
    const std::int64_t full = dim / 8 * 8;
    for (std::int64_t t = 0; t < full; t += 8)
        for (int p = 0; p < kPieces; ++p) {
            const hvreg xs = *reinterpret_cast<const hvreg_u*>(x + t + p * kLaneWidth) * sx;
            const hvreg ys = *reinterpret_cast<const hvreg_u*>(y + t + p * kLaneWidth) * sy;
            const vreg d = __builtin_convertvector(xs, vreg) - __builtin_convertvector(ys, vreg);
            acc.r[p] += d * d;
        }
    double s = hsum(acc);
    for (std::int64_t t = full; t < dim; ++t) {
        const double d = static_cast<double>(x[t] * sx) - static_cast<double>(y[t] * sy);
        s += d * d;
    }
    return std::sqrt(s);
}

}  // namespace rows32

// A side of a pair as word rows: row pointers, their scales (1 for unit rows, the norms for raw
// vectors), global word ids and weights (count / length).
struct WordRows {
    const float* const* row;
    const float* scale;
    const std::int64_t* gid;
    const double* w;
    int size;
};

// Scratch of one pair on float32 rows, reused across the pairs of one thread.
struct RowsWorkspace {
    EmdSolver emd;
    std::vector<float> cost, sqa, sqb;
    std::vector<double> wa, wb, cost64;
    std::vector<const float*> pa, pb;
    std::vector<float> sa, sb;
    std::vector<std::int64_t> gids;
    std::vector<double> wts;
};

// cost[i * n + j] = |A_i - B_j| in float32 (rows times their scales).
inline void costs32(RowsWorkspace& ws, const WordRows& A, const WordRows& B, std::int64_t dim) {
    using namespace rows32;
    const int m = A.size, n = B.size;
    ws.cost.resize(static_cast<std::size_t>(m) * n);
    ws.sqa.resize(m);
    ws.sqb.resize(n);
    for (int i = 0; i < m; ++i) {
        dot_block<1, 1>(A.row + i, A.row + i, dim, &ws.sqa[i]);
        ws.sqa[i] *= A.scale[i] * A.scale[i];
    }
    for (int j = 0; j < n; ++j) {
        dot_block<1, 1>(B.row + j, B.row + j, dim, &ws.sqb[j]);
        ws.sqb[j] *= B.scale[j] * B.scale[j];
    }
    float* D = ws.cost.data();
    auto finish = [&](int i, int j, float dot) {
        const float s = ws.sqa[i] + ws.sqb[j];
        const float d2 = s - 2.0f * (A.scale[i] * B.scale[j]) * dot;
        D[static_cast<std::int64_t>(i) * n + j] =
            d2 < 1e-3f * s ? static_cast<float>(rows32::exact_distance(A.row[i], A.scale[i], B.row[j], B.scale[j], dim))
                           : std::sqrt(d2);
    };
    constexpr int RB = kRowsPerBlock, CB = kColsPerBlock;
    float out[RB * CB];
    int i = 0;
    for (; i + RB <= m; i += RB) {
        int j = 0;
        for (; j + CB <= n; j += CB) {
            dot_block<RB, CB>(A.row + i, B.row + j, dim, out);
            for (int r = 0; r < RB; ++r)
                for (int c = 0; c < CB; ++c) finish(i + r, j + c, out[r * CB + c]);
        }
        for (; j < n; ++j) {
            dot_block<RB, 1>(A.row + i, B.row + j, dim, out);
            for (int r = 0; r < RB; ++r) finish(i + r, j, out[r]);
        }
    }
    for (; i < m; ++i) {
        int j = 0;
        for (; j + CB <= n; j += CB) {
            dot_block<1, CB>(A.row + i, B.row + j, dim, out);
            for (int c = 0; c < CB; ++c) finish(i, j + c, out[c]);
        }
        for (; j < n; ++j) {
            dot_block<1, 1>(A.row + i, B.row + j, dim, out);
            finish(i, j, out[0]);
        }
    }
}

// gensim's wmdistance of two bags of unique words given as rows (see the top of this file):
// inf if a side is empty, 0 if both are the same single word, inf if every cost is (nearly)
// zero, else the exact transport cost, solved on float32 costs and priced in float64.
inline double wmd_pair_rows(RowsWorkspace& ws, const WordRows& A, const WordRows& B,
                            std::int64_t dim, int* status) {
    const int m = A.size, n = B.size;
    *status = EMD_OPTIMAL;
    if (m == 0 || n == 0) return std::numeric_limits<double>::infinity();
    if (m == 1 && n == 1 && A.gid[0] == B.gid[0]) return 0.0;
    costs32(ws, A, B, dim);
    // Far from gensim's all-zero threshold (a sum of 1e-8) as soon as one cost is 1e-6.
    bool far = false;
    for (float c : ws.cost)
        if (c >= 1e-6f) {
            far = true;
            break;
        }
    auto exact = [&](int i, int j) {
        return rows32::exact_distance(A.row[i], A.scale[i], B.row[j], B.scale[j], dim);
    };
    // Masses as wmd_pair (csrc/wmd.hpp): b scaled to a's total, a shared word's common mass
    // left in place.
    double ta = 0, tb = 0;
    for (int i = 0; i < m; ++i) ta += A.w[i];
    for (int j = 0; j < n; ++j) tb += B.w[j];
    ws.wa.assign(A.w, A.w + m);
    ws.wb.resize(n);
    for (int j = 0; j < n; ++j) ws.wb[j] = B.w[j] * ta / tb;
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j)
            if (A.gid[i] == B.gid[j]) {
                const double stay = std::min(ws.wa[i], ws.wb[j]);
                ws.wa[i] -= stay;
                ws.wb[j] -= stay;
                break;
            }
    double d = std::numeric_limits<double>::quiet_NaN();
    if (far) {  // float32 decides nothing about gensim's rules
        ws.emd.solve(ws.wa.data(), m, ws.wb.data(), n, ws.cost.data(), n, nullptr, nullptr, status);
        d = ws.emd.plan_cost(exact);
    }
    if (!std::isnan(d)) return d;
    // Near the threshold, or every float32 cost equal: float64 costs throughout.
    ws.cost64.resize(static_cast<std::size_t>(m) * n);
    double s64 = 0;
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) s64 += ws.cost64[static_cast<std::int64_t>(i) * n + j] = exact(i, j);
    if (std::fabs(s64) < 1e-8) return std::numeric_limits<double>::infinity();
    return ws.emd.solve(ws.wa.data(), m, ws.wb.data(), n, ws.cost64.data(), n, nullptr, nullptr, status);
}

// One pair straight from vocabulary ids: rows of the float32 unit matrix (times `norms` when
// given, for raw vectors), weights count / total per side. Words [0, s) belong to the first
// document, [s, nnz) to the second. The path of Vectors.wmdistance and WMD.distance.
inline double wmd_single_ids32(RowsWorkspace& ws, const float* unit, const float* norms,
                               std::int64_t dim, const std::int32_t* ids, const float* counts,
                               int nnz, int s, int* status) {
    ws.pa.resize(nnz);
    ws.sa.resize(nnz);
    ws.gids.resize(nnz);
    ws.wts.resize(nnz);
    double ta = 0, tb = 0;
    for (int r = 0; r < s; ++r) ta += counts[r];
    for (int r = s; r < nnz; ++r) tb += counts[r];
    for (int r = 0; r < nnz; ++r) {
        ws.pa[r] = unit + static_cast<std::int64_t>(ids[r]) * dim;
        ws.sa[r] = norms ? norms[ids[r]] : 1.0f;
        ws.gids[r] = ids[r];
        ws.wts[r] = static_cast<double>(counts[r]) / (r < s ? ta : tb);
    }
    const WordRows A{ws.pa.data(), ws.sa.data(), ws.gids.data(), ws.wts.data(), s};
    const WordRows B{ws.pa.data() + s, ws.sa.data() + s, ws.gids.data() + s, ws.wts.data() + s, nnz - s};
    return wmd_pair_rows(ws, A, B, dim, status);
}

ENGINE_ISA_END
}  // namespace engine
