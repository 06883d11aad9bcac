// Word Mover's Distance kernels: word-to-word costs for a batch, many pairs solved in parallel,
// WCD / RWMD / ICT lower bounds for a whole corpus, exact k-nearest documents by
// prefetch-and-prune, and entropic Sinkhorn as the approximate mode.
//
// A document is a bag of words: for document d, entries ptr[d] .. ptr[d+1] give each unique
// word's row (or column) in the batch cost matrix (`loc`), its global word id (`gid`, only for
// gensim's "same single word" rule) and its weight (count / length, summing to 1).
// Kusner et al. 2015 (WCD, RWMD, prefetch-and-prune); Atasu et al. 2017 (linear-complexity
// RWMD, ICT); Cuturi 2013 (Sinkhorn).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>
#include <vector>

#include "common.hpp"
#include "emd.hpp"
#include "types.hpp"

namespace engine {
ENGINE_ISA_BEGIN

constexpr double kInf = std::numeric_limits<double>::infinity();

// A lower bound made safe for pruning against exact distances computed by another route.
inline double prune_slack(double bound) {
    return bound < kInf ? bound - 1e-9 * bound - 1e-12 : bound;  // inf (an empty side) stays inf
}

// ---- word-to-word costs ------------------------------------------------------------------------

// Dot products with a fixed summation order: 8 lanes over a zero-padded dimension, then a fixed
// tree, the same for every block shape, so a cost entry is the same bits whichever batch or
// block computes it. The 8 lanes are kPieces registers of the path's width (csrc/common.hpp).
// N lanes of T held as registers of the path's width (also csrc/wmd_rows.hpp's 16 float lanes).
template <class T, int N>
struct Lanes {
    static constexpr int width = ENGINE_VECTOR_BYTES / static_cast<int>(sizeof(T));  // per register
    static constexpr int pieces = N / width;                                        // registers
    typedef T reg __attribute__((vector_size(ENGINE_VECTOR_BYTES)));
    typedef T reg_u __attribute__((vector_size(ENGINE_VECTOR_BYTES), aligned(sizeof(T)), may_alias));
    reg r[pieces];
    T operator[](int l) const { return r[l / width][l % width]; }
};

using Lanes8 = Lanes<double, 8>;
constexpr int kLaneWidth = Lanes8::width;  // doubles per register
constexpr int kPieces = Lanes8::pieces;    // registers per 8 lanes
typedef Lanes8::reg vreg;
typedef Lanes8::reg_u vreg_u;  // unaligned loads

inline double hsum(const Lanes8& v) {
    return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

// out[r * C + c] = dot(A row r, B row c) for R rows of A and C rows of B (padded length d8).
template <int R, int C>
__attribute__((always_inline)) inline void dot_block(const double* A, const double* B, std::int64_t d8, double* out) {
    Lanes8 acc[R][C];
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c)
            for (int p = 0; p < kPieces; ++p) acc[r][c].r[p] = vreg{};
    for (std::int64_t t = 0; t < d8; t += 8) {
        for (int r = 0; r < R; ++r) {
            vreg a[kPieces];
            const double* ar = A + r * d8 + t;
            for (int p = 0; p < kPieces; ++p) a[p] = *reinterpret_cast<const vreg_u*>(ar + p * kLaneWidth);
            for (int c = 0; c < C; ++c) {
                const double* bc = B + c * d8 + t;
                for (int p = 0; p < kPieces; ++p)
                    acc[r][c].r[p] += a[p] * *reinterpret_cast<const vreg_u*>(bc + p * kLaneWidth);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) out[r * C + c] = hsum(acc[r][c]);
}

inline double sqdist_direct(const double* a, const double* b, std::int64_t dim) {
    double s = 0;
    for (std::int64_t t = 0; t < dim; ++t) {
        const double x = a[t] - b[t];
        s += x * x;
    }
    return s;
}

// |a - b|^2 in 8 lanes (dimensions l, l + 8, ...) meeting in a fixed tree, the tail last: the
// same bits on every path (up to fused multiply-adds), a tenth of the time of one running sum.
inline double sqdist_lanes(const double* a, const double* b, std::int64_t dim) {
    Lanes8 acc;
    for (int p = 0; p < kPieces; ++p) acc.r[p] = vreg{};
    const std::int64_t full = dim / 8 * 8;
    for (std::int64_t t = 0; t < full; t += 8)
        for (int p = 0; p < kPieces; ++p) {
            const vreg d = *reinterpret_cast<const vreg_u*>(a + t + p * kLaneWidth) -
                           *reinterpret_cast<const vreg_u*>(b + t + p * kLaneWidth);
            acc.r[p] += d * d;
        }
    double s = hsum(acc);
    for (std::int64_t t = full; t < dim; ++t) s += (a[t] - b[t]) * (a[t] - b[t]);
    return s;
}

// Rows zero-padded to a multiple of 8 (a pointer to X itself when they already are).
inline const double* pad_rows(const double* X, std::int64_t rows, std::int64_t dim,
                              std::int64_t d8, std::vector<double>& out) {
    if (d8 == dim) return X;
    out.assign(static_cast<std::size_t>(rows) * d8, 0.0);
    for (std::int64_t i = 0; i < rows; ++i) std::memcpy(&out[i * d8], X + i * dim, dim * sizeof(double));
    return out.data();
}

// D (ra x rb) = Euclidean distances between the rows of A (ra x dim) and B (rb x dim), float64:
// sqrt(max(0, |a|^2 + |b|^2 - 2 a.b)) from one product over the batch. Where the expansion loses
// precision (|a - b|^2 small next to |a|^2 + |b|^2) the entry is recomputed directly, so nearly
// equal vectors keep the accuracy of scipy's cdist and equal ones give exactly 0.
inline void pair_costs(const double* A, std::int64_t ra, const double* B, std::int64_t rb,
                       std::int64_t dim, double* D, int n_threads) {
    // Small batches stay on one thread: waking a team costs more than the work.
    const double work = static_cast<double>(ra) * rb * dim;
    const int nt = work < 2e6 ? 1 : resolve_threads(n_threads);
    const std::int64_t d8 = (dim + 7) / 8 * 8;
    std::vector<double> Abuf, Bbuf, na(ra), nb(rb);
    const double* Ap = pad_rows(A, ra, dim, d8, Abuf);
    const double* Bp = pad_rows(B, rb, dim, d8, Bbuf);
    for (std::int64_t i = 0; i < ra; ++i) dot_block<1, 1>(Ap + i * d8, Ap + i * d8, d8, &na[i]);
    for (std::int64_t j = 0; j < rb; ++j) dot_block<1, 1>(Bp + j * d8, Bp + j * d8, d8, &nb[j]);
    auto finish = [&](std::int64_t i, std::int64_t j, double dot) {
        const double s = na[i] + nb[j];
        double d2 = s - 2.0 * dot;
        if (d2 < 1e-4 * s) d2 = sqdist_direct(A + i * dim, B + j * dim, dim);
        D[i * rb + j] = std::sqrt(d2 > 0 ? d2 : 0.0);
    };
    const std::int64_t bj = 64;  // a block of B rows stays in cache while rows of A stream
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (std::int64_t jb = 0; jb < rb; jb += bj) {
        const std::int64_t je = std::min(rb, jb + bj);
        double out[16];
        std::int64_t i = 0;
        for (; i + 4 <= ra; i += 4) {  // 4 x 4 dots share their loads: 16 FMAs per 8 loads
            std::int64_t j = jb;
            for (; j + 4 <= je; j += 4) {
                dot_block<4, 4>(Ap + i * d8, Bp + j * d8, d8, out);
                for (int r = 0; r < 4; ++r)
                    for (int c = 0; c < 4; ++c) finish(i + r, j + c, out[r * 4 + c]);
            }
            for (; j < je; ++j) {
                dot_block<4, 1>(Ap + i * d8, Bp + j * d8, d8, out);
                for (int r = 0; r < 4; ++r) finish(i + r, j, out[r]);
            }
        }
        for (; i + 2 <= ra; i += 2) {
            std::int64_t j = jb;
            for (; j + 4 <= je; j += 4) {
                dot_block<2, 4>(Ap + i * d8, Bp + j * d8, d8, out);
                for (int r = 0; r < 2; ++r)
                    for (int c = 0; c < 4; ++c) finish(i + r, j + c, out[r * 4 + c]);
            }
            for (; j < je; ++j) {
                dot_block<2, 1>(Ap + i * d8, Bp + j * d8, d8, out);
                finish(i, j, out[0]);
                finish(i + 1, j, out[1]);
            }
        }
        for (; i < ra; ++i) {
            std::int64_t j = jb;
            for (; j + 4 <= je; j += 4) {
                dot_block<1, 4>(Ap + i * d8, Bp + j * d8, d8, out);
                for (int c = 0; c < 4; ++c) finish(i, j + c, out[c]);
            }
            for (; j < je; ++j) {
                dot_block<1, 1>(Ap + i * d8, Bp + j * d8, d8, out);
                finish(i, j, out[0]);
            }
        }
    }
}

// ---- one pair -----------------------------------------------------------------------------------

// Thread-local scratch: one per thread, nothing shared.
struct PairWorkspace {
    EmdSolver emd;
    std::vector<double> f, g, cost, tmp, wa, wb, D, xs, wts;
    std::vector<std::int64_t> gids;
    std::vector<std::int32_t> order, la, lb;
};

// Entropic OT in the log domain (stable for small reg): returns <P, C> of the regularised plan.
inline double sinkhorn_cost(PairWorkspace& ws, const double* D, std::int64_t ldd,
                            const std::int32_t* rows, const double* a, int m,
                            const std::int32_t* cols, const double* b, int n,
                            const SinkhornParams& p) {
    ws.cost.resize(static_cast<std::size_t>(m) * n);
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) ws.cost[i * n + j] = D[rows[i] * ldd + cols[j]];
    ws.f.assign(m, 0.0);
    ws.g.assign(n, 0.0);
    ws.tmp.resize(std::max(m, n));
    const double reg = p.reg;
    auto lse_row = [&](int i) {  // log sum_j exp((g_j - C_ij)/reg)
        double mx = -kInf;
        for (int j = 0; j < n; ++j) mx = std::max(mx, (ws.g[j] - ws.cost[i * n + j]) / reg);
        double s = 0;
        for (int j = 0; j < n; ++j) s += std::exp((ws.g[j] - ws.cost[i * n + j]) / reg - mx);
        return mx + std::log(s);
    };
    auto lse_col = [&](int j) {
        double mx = -kInf;
        for (int i = 0; i < m; ++i) mx = std::max(mx, (ws.f[i] - ws.cost[i * n + j]) / reg);
        double s = 0;
        for (int i = 0; i < m; ++i) s += std::exp((ws.f[i] - ws.cost[i * n + j]) / reg - mx);
        return mx + std::log(s);
    };
    for (int it = 0; it < p.max_iter; ++it) {
        for (int i = 0; i < m; ++i) ws.f[i] = reg * (std::log(a[i]) - lse_row(i));
        for (int j = 0; j < n; ++j) ws.g[j] = reg * (std::log(b[j]) - lse_col(j));
        if (it % 10 == 9 || it == p.max_iter - 1) {
            // After the g-update the columns are exact; the rows' error measures convergence.
            double err = 0;
            for (int i = 0; i < m; ++i) {
                double s = 0;
                for (int j = 0; j < n; ++j)
                    s += std::exp((ws.f[i] + ws.g[j] - ws.cost[i * n + j]) / reg);
                err += std::fabs(s - a[i]);
            }
            if (err < p.tol) break;
        }
    }
    double total = 0;
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            const double c = ws.cost[i * n + j];
            total += std::exp((ws.f[i] + ws.g[j] - c) / reg) * c;
        }
    return total;
}

// gensim's wmdistance on bags already reduced to known words: inf if a side is empty, 0 if both
// are the same single word, inf if every cost is (nearly) zero, else the optimal transport cost.
// With `stopped`, an exact solve gives up once a lower bound exceeds `stop_above` (see
// EmdSolver::solve): *stopped tells whether it did, and the result is then that bound.
inline double wmd_pair(PairWorkspace& ws, const double* D, std::int64_t ldd, const DocsView& A,
                       std::int64_t da, const DocsView& B, std::int64_t db, int method,
                       const SinkhornParams& sp, int* status, double stop_above = kInf,
                       bool* stopped = nullptr) {
    if (stopped) *stopped = false;
    const std::int64_t a0 = A.ptr[da], b0 = B.ptr[db];
    const int m = static_cast<int>(A.size(da)), n = static_cast<int>(B.size(db));
    *status = EMD_OPTIMAL;
    if (m == 0 || n == 0) return kInf;
    if (m == 1 && n == 1 && A.gid[a0] == B.gid[b0]) return 0.0;
    double s = 0;
    for (int i = 0; i < m; ++i) {
        const double* row = D + static_cast<std::int64_t>(A.loc[a0 + i]) * ldd;
        for (int j = 0; j < n; ++j) s += row[B.loc[b0 + j]];
    }
    if (std::fabs(s) < 1e-8) return kInf;
    if (method == WMD_SINKHORN)
        return sinkhorn_cost(ws, D, ldd, A.loc + a0, A.w + a0, m, B.loc + b0, B.w + b0, n, sp);
    // POT's emd2 scales b to a's total; the weights are count/length on both sides, so this
    // only moves the last bits, as it does in gensim.
    double ta = 0, tb = 0;
    for (int i = 0; i < m; ++i) ta += A.w[a0 + i];
    for (int j = 0; j < n; ++j) tb += B.w[b0 + j];
    ws.wa.assign(A.w + a0, A.w + a0 + m);
    ws.wb.resize(n);
    for (int j = 0; j < n; ++j) ws.wb[j] = B.w[b0 + j] * ta / tb;
    // A word in both documents keeps min(a, b) of its mass in place: with a metric cost (the
    // Euclidean distance) some optimal plan does so, since rerouting through the word itself is
    // never longer (Pele & Werman 2009). Only the rest goes to the solver, a smaller problem.
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j)
            if (A.gid[a0 + i] == B.gid[b0 + j]) {
                const double stay = std::min(ws.wa[i], ws.wb[j]);
                ws.wa[i] -= stay;
                ws.wb[j] -= stay;
                break;
            }
    const double d = ws.emd.solve(ws.wa.data(), m, ws.wb.data(), n, D, ldd, A.loc + a0, B.loc + b0,
                                  status, stop_above);
    if (stopped) *stopped = ws.emd.stopped();
    return d;
}

// Many pairs (ia[p], ib[p]), one thread per pair.
inline void wmd_pairs(const double* D, std::int64_t ldd, const DocsView& A, const DocsView& B,
                      const std::int64_t* ia, const std::int64_t* ib, std::int64_t npairs,
                      int method, const SinkhornParams& sp, double* out, int* status,
                      int n_threads) {
    const int nt = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(resolve_threads(n_threads), npairs)));
    int worst = EMD_OPTIMAL;
#pragma omp parallel num_threads(nt) reduction(max : worst)
    {
        PairWorkspace ws;
#pragma omp for schedule(dynamic, 4)
        for (std::int64_t p = 0; p < npairs; ++p) {
            int st;
            out[p] = wmd_pair(ws, D, ldd, A, ia[p], B, ib[p], method, sp, &st);
            worst = std::max(worst, st);
        }
    }
    *status = worst;
}

// One pair from its word vectors (rows of Xa, Xb): costs and solve in a single call, the path of
// WMD.distance, where per-call overhead is most of the time.
inline double wmd_single(PairWorkspace& ws, const double* Xa, const std::int64_t* gid_a,
                         const double* wa, int m, const double* Xb, const std::int64_t* gid_b,
                         const double* wb, int n, std::int64_t dim, int method,
                         const SinkhornParams& sp, int* status) {
    ws.D.resize(static_cast<std::size_t>(m) * n);
    pair_costs(Xa, m, Xb, n, dim, ws.D.data(), 1);
    ws.la.resize(m);
    ws.lb.resize(n);
    std::iota(ws.la.begin(), ws.la.end(), 0);
    std::iota(ws.lb.begin(), ws.lb.end(), 0);
    const std::int64_t pa[2] = {0, m}, pb[2] = {0, n};
    const DocsView A{pa, ws.la.data(), gid_a, wa}, B{pb, ws.lb.data(), gid_b, wb};
    return wmd_pair(ws, ws.D.data(), n, A, 0, B, 0, method, sp, status);
}

// One pair straight from vocabulary ids: rows of the float32 unit matrix (times `norms` when
// given, for raw vectors) widened to float64, weights count / total per side. Words [0, s)
// belong to the first document, [s, nnz) to the second. The path of WMD.distance.
inline double wmd_single_ids(PairWorkspace& ws, const float* unit, const float* norms,
                             std::int64_t dim, const std::int32_t* ids, const float* counts,
                             int nnz, int s, int method, const SinkhornParams& sp, int* status) {
    const std::int64_t d8 = (dim + 7) / 8 * 8;
    ws.xs.assign(static_cast<std::size_t>(nnz) * d8, 0.0);
    ws.gids.resize(nnz);
    ws.wts.resize(nnz);
    for (int r = 0; r < nnz; ++r) {
        const float* src = unit + static_cast<std::int64_t>(ids[r]) * dim;
        double* dst = ws.xs.data() + static_cast<std::int64_t>(r) * d8;
        if (norms) {
            const float nr = norms[ids[r]];
            for (std::int64_t t = 0; t < dim; ++t) dst[t] = static_cast<double>(src[t] * nr);
        } else {
            for (std::int64_t t = 0; t < dim; ++t) dst[t] = static_cast<double>(src[t]);
        }
        ws.gids[r] = ids[r];
    }
    double ta = 0, tb = 0;
    for (int r = 0; r < s; ++r) ta += counts[r];
    for (int r = s; r < nnz; ++r) tb += counts[r];
    for (int r = 0; r < nnz; ++r) ws.wts[r] = static_cast<double>(counts[r]) / (r < s ? ta : tb);
    return wmd_single(ws, ws.xs.data(), ws.gids.data(), ws.wts.data(), s, ws.xs.data() + s * d8,
                      ws.gids.data() + s, ws.wts.data() + s, nnz - s, d8, method, sp, status);
}

// Elementwise pairs (A[p], B[p]) whose words are rows `loc` of one matrix X (rows x dim): each
// pair gets its own small cost matrix (the pairs share no structure a batch product could use),
// one thread per pair, thread-local buffers.
inline void wmd_zip(const double* X, std::int64_t dim, const DocsView& A, const DocsView& B,
                    std::int64_t npairs, int method, const SinkhornParams& sp, double* out,
                    int* status, int n_threads) {
    const int nt = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(resolve_threads(n_threads), npairs)));
    int worst = EMD_OPTIMAL;
#pragma omp parallel num_threads(nt) reduction(max : worst)
    {
        std::vector<double> xa, xb;
        PairWorkspace ws;
#pragma omp for schedule(dynamic, 4)
        for (std::int64_t p = 0; p < npairs; ++p) {
            const std::int64_t a0 = A.ptr[p], b0 = B.ptr[p];
            const int m = static_cast<int>(A.size(p)), n = static_cast<int>(B.size(p));
            xa.resize(static_cast<std::size_t>(m) * dim);
            xb.resize(static_cast<std::size_t>(n) * dim);
            for (int i = 0; i < m; ++i) std::memcpy(&xa[i * dim], X + A.loc[a0 + i] * dim, dim * sizeof(double));
            for (int j = 0; j < n; ++j) std::memcpy(&xb[j * dim], X + B.loc[b0 + j] * dim, dim * sizeof(double));
            int st;
            out[p] = wmd_single(ws, xa.data(), A.gid + a0, A.w + a0, m, xb.data(), B.gid + b0, B.w + b0, n,
                                dim, method, sp, &st);
            worst = std::max(worst, st);
        }
    }
    *status = worst;
}

// ---- lower bounds -------------------------------------------------------------------------------

// Bounds only ever go down by this factor: a bound computed from the same costs can exceed the
// solver's sum by rounding, and pruning must never drop a true neighbour.
constexpr double kBoundSafety = 1.0 - 1e-12;

// WCD and RWMD of query q (rows of Dq) against every corpus document (columns of Dq are the
// corpus vocabulary), in the linear-complexity form: zmin[v] = min over the query's words of
// Dq[., v] (one pass), the corpus->query direction is then the sparse product W_corpus . zmin,
// and the query->corpus direction is a min-reduction over each document's nonzeros.
inline void query_bounds(const double* Dq, std::int64_t V, const DocsView& Q, std::int64_t q,
                         const DocsView& C, std::int64_t nc, const double* qcent,
                         const double* ccent, std::int64_t dim, double* wcd, double* rwmd,
                         std::vector<double>& qt, std::vector<double>& zmin, int nt) {
    const std::int64_t q0 = Q.ptr[q];
    const int mq = static_cast<int>(Q.size(q));
    // The query's cost rows transposed (V x mq): every min-reduction below then reads one
    // contiguous row of mq values per corpus word and vectorizes.
    qt.resize(static_cast<std::size_t>(V) * mq);
    for (int i = 0; i < mq; ++i) {
        const double* row = Dq + static_cast<std::int64_t>(Q.loc[q0 + i]) * V;
        for (std::int64_t v = 0; v < V; ++v) qt[v * mq + i] = row[v];
    }
    zmin.assign(V, kInf);
    for (std::int64_t v = 0; v < V; ++v)
        for (int i = 0; i < mq; ++i) zmin[v] = std::min(zmin[v], qt[v * mq + i]);
#pragma omp parallel num_threads(nt) if (nt > 1 && nc * (mq + 1) > 200000)
    {
        std::vector<double> mins(mq);
#pragma omp for schedule(static)
        for (std::int64_t d = 0; d < nc; ++d) {
            const std::int64_t c0 = C.ptr[d];
            const int n = static_cast<int>(C.size(d));
            if (n == 0 || mq == 0) {
                wcd[d] = rwmd[d] = kInf;
                continue;
            }
            // document -> query: each document word to its nearest query word;
            // query -> document: each query word to its nearest document word.
            double s2 = 0;  // the sparse product W_corpus . zmin
            std::fill(mins.begin(), mins.end(), kInf);
            for (int t = 0; t < n; ++t) {
                const std::int64_t v = C.loc[c0 + t];
                const double* row = qt.data() + v * mq;
                for (int i = 0; i < mq; ++i) mins[i] = row[i] < mins[i] ? row[i] : mins[i];
                s2 += C.w[c0 + t] * zmin[v];
            }
            double s1 = 0;
            for (int i = 0; i < mq; ++i) s1 += Q.w[q0 + i] * mins[i];
            rwmd[d] = std::max(s1, s2) * kBoundSafety;
            wcd[d] = std::sqrt(sqdist_lanes(qcent + q * dim, ccent + d * dim, dim)) * kBoundSafety;
        }
    }
}

// Iterated constrained transfers with unlimited iterations (Atasu et al. 2017): each source
// word sends its mass to the nearest target words, each target taking at most its own weight.
// Only the targets' total inflow is relaxed, so this lies between RWMD and the exact distance.
inline double ict_direction(PairWorkspace& ws, const double* Dq, std::int64_t V, const DocsView& Q,
                            std::int64_t q, const DocsView& C, std::int64_t d, bool query_is_source) {
    const std::int64_t q0 = Q.ptr[q], c0 = C.ptr[d];
    const int mq = static_cast<int>(Q.size(q)), n = static_cast<int>(C.size(d));
    const int ns = query_is_source ? mq : n, nd = query_is_source ? n : mq;
    ws.tmp.resize(nd);
    ws.order.resize(nd);
    double total = 0;
    for (int s = 0; s < ns; ++s) {
        for (int t = 0; t < nd; ++t) {
            const int i = query_is_source ? s : t, j = query_is_source ? t : s;
            ws.tmp[t] = Dq[static_cast<std::int64_t>(Q.loc[q0 + i]) * V + C.loc[c0 + j]];
        }
        // Nearest targets one at a time (a source's mass is usually placed after one or two),
        // cheaper than sorting all of them; ties go to the lower index.
        double left = query_is_source ? Q.w[q0 + s] : C.w[c0 + s];
        int used = 0;
        while (left > 0 && used < nd) {
            int best = -1;
            for (int t = 0; t < nd; ++t)
                if (ws.tmp[t] >= 0 && (best < 0 || ws.tmp[t] < ws.tmp[best])) best = t;
            const double cap = query_is_source ? C.w[c0 + best] : Q.w[q0 + best];
            const double moved = std::min(left, cap);
            total += moved * ws.tmp[best];
            left -= moved;
            ws.tmp[best] = -1.0;  // costs are >= 0: marks the target as used
            ++used;
        }
    }
    return total;
}

inline double ict_bound(PairWorkspace& ws, const double* Dq, std::int64_t V, const DocsView& Q,
                        std::int64_t q, const DocsView& C, std::int64_t d) {
    if (Q.size(q) == 0 || C.size(d) == 0) return kInf;
    return std::max(ict_direction(ws, Dq, V, Q, q, C, d, true),
                    ict_direction(ws, Dq, V, Q, q, C, d, false)) *
           kBoundSafety;
}

// All three bounds for every (query, document): for tests and inspection.
inline void all_bounds(const double* Dq, std::int64_t V, const DocsView& Q, std::int64_t nq,
                       const DocsView& C, std::int64_t nc, const double* qcent,
                       const double* ccent, std::int64_t dim, double* wcd, double* rwmd,
                       double* ict, int n_threads) {
    const int nt = resolve_threads(n_threads);
    std::vector<double> qt, zmin;
    for (std::int64_t q = 0; q < nq; ++q) {
        query_bounds(Dq, V, Q, q, C, nc, qcent, ccent, dim, wcd + q * nc, rwmd + q * nc, qt, zmin, nt);
#pragma omp parallel num_threads(nt)
        {
            PairWorkspace ws;
#pragma omp for schedule(dynamic, 16)
            for (std::int64_t d = 0; d < nc; ++d) ict[q * nc + d] = ict_bound(ws, Dq, V, Q, q, C, d);
        }
    }
}

// ---- exact k nearest documents --------------------------------------------------------------

// For each query: bounds for the whole corpus, documents in order of bound max(WCD, RWMD), and
// exact solves only while that bound can still beat the current k-th distance; with `use_ict`
// a candidate is first checked against the tighter ICT bound. Results are ordered by
// (distance, document index) and equal those of solving every document. Queries run in
// parallel (one thread per query, its own buffers): one parallel region per call, because
// with so few solves per query, finer-grained teams would spend more time meeting than working.
inline void wmd_knn(const double* Dq, std::int64_t V, const DocsView& Q, std::int64_t nq,
                    const DocsView& C, std::int64_t nc, const double* qcent, const double* ccent,
                    std::int64_t dim, int k, bool use_ict, double* out_d, std::int64_t* out_i,
                    std::int64_t* n_exact, int* status, int n_threads) {
    const int nt = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(resolve_threads(n_threads), nq)));
    using Entry = std::pair<double, std::int64_t>;  // (distance, index): lexicographic order
    int worst = EMD_OPTIMAL;
#pragma omp parallel num_threads(nt) reduction(max : worst)
    {
        std::vector<double> wcd(nc), rwmd(nc), bound(nc), qt, zmin;
        std::vector<std::int64_t> order(nc);
        PairWorkspace ws;
        const SinkhornParams sp;
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t q = 0; q < nq; ++q) {
            query_bounds(Dq, V, Q, q, C, nc, qcent, ccent, dim, wcd.data(), rwmd.data(), qt, zmin, 1);
            // Deflated by a rounding slack: a bound computed in floating point can land a few ulps
            // above an exact distance it equals (identical bags: bound 1e-17, distance 0), and
            // pruning on it would then break index-order ties differently from brute force.
            for (std::int64_t d = 0; d < nc; ++d) bound[d] = prune_slack(std::max(wcd[d], rwmd[d]));
            std::iota(order.begin(), order.end(), 0);
            std::sort(order.begin(), order.end(), [&](std::int64_t x, std::int64_t y) {
                return bound[x] < bound[y] || (bound[x] == bound[y] && x < y);
            });
            std::priority_queue<Entry> heap;  // max-heap: the current k-th nearest on top
            std::int64_t solved = 0;
            for (std::int64_t pos = 0; pos < nc; ++pos) {
                const std::int64_t d = order[pos];
                const bool full = static_cast<std::int64_t>(heap.size()) == k;
                const double kth = full ? heap.top().first : kInf;
                if (full && bound[d] > kth) break;  // every later bound is larger still
                double dist = kInf;                 // an empty side: inf, nothing to solve
                if (bound[d] != kInf) {
                    if (full && use_ict && prune_slack(ict_bound(ws, Dq, V, Q, q, C, d)) > kth) continue;
                    int st;
                    bool stopped;
                    // given the k-th distance, the solve stops once its lower bound passes it
                    dist = wmd_pair(ws, Dq, V, Q, q, C, d, WMD_EMD, sp, &st, kth, &stopped);
                    worst = std::max(worst, st);
                    ++solved;
                    if (stopped) continue;  // it cannot enter the k nearest
                }
                const Entry e(dist, d);
                if (!full) {
                    heap.push(e);
                } else if (e < heap.top()) {
                    heap.pop();
                    heap.push(e);
                }
            }
            n_exact[q] = solved;
            const std::int64_t got = static_cast<std::int64_t>(heap.size());
            for (std::int64_t r = got - 1; r >= 0; --r) {
                out_d[q * k + r] = heap.top().first;
                out_i[q * k + r] = heap.top().second;
                heap.pop();
            }
            for (std::int64_t r = got; r < k; ++r) {
                out_d[q * k + r] = kInf;
                out_i[q * k + r] = -1;
            }
        }
    }
    *status = worst;
}

ENGINE_ISA_END
}  // namespace engine
