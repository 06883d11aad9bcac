// The special functions of the LDA E-step (csrc/lda.hpp), eight values at a time: gensim's
// digamma and exp(E[log theta]) over the topics of a document.
//
// The lanes are GCC/Clang vector extensions (8 doubles), which the compiler maps to the
// instruction set it targets (one AVX-512 register, two AVX2 ones, ...). The C library's log and
// exp are scalar calls, so the two are written here as plain arithmetic (both within 2 units in
// the last place of the exact value); every branch is a blend of lanes. Float32 models keep
// float32 values in double lanes: `round<T>` rounds where Cython's float assignments round.
#pragma once
#include <cstdint>
#include <cstring>

#include "common.hpp"

#if defined(ENGINE_AVX512)
#include <immintrin.h>
#endif

namespace engine {
namespace lda {
ENGINE_ISA_BEGIN
namespace vec {

constexpr int W = 8;  // lanes
typedef double vd __attribute__((vector_size(64)));
typedef float vf __attribute__((vector_size(32)));
typedef std::int64_t vi __attribute__((vector_size(64)));  // what comparing two vd gives
typedef std::uint64_t vu __attribute__((vector_size(64)));

inline vd splat(double x) { return vd{} + x; }

// m ? a : b, lane by lane (m: all ones or all zeros per lane, as comparisons give). A cast
// between vector types of one size reinterprets the bits.
inline vd blend(vi m, vd a, vd b) { return (vd)(((vi)a & m) | ((vi)b & ~m)); }

inline vu bits(vd x) { return (vu)x; }

inline vd from_bits(vu b) { return (vd)b; }

// float lanes to double lanes (GCC 12 splits __builtin_convertvector's into halves; AVX-512 has
// one instruction for it)
inline vd widen(vf x) {
#if defined(ENGINE_AVX512)
    return (vd)_mm512_maskz_cvtps_pd((__mmask8)0xFF, (__m256)x);
#else
    return __builtin_convertvector(x, vd);
#endif
}

// x rounded to T (float: through a float vector; double: unchanged)
template <class T>
inline vd round(vd x) {
    if constexpr (sizeof(T) == sizeof(float)) {
        return widen(__builtin_convertvector(x, vf));
    } else {
        return x;
    }
}

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 = kLn2Hi + kLn2Lo
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kTwo52 = 4503599627370496.0;  // x + 1.5 * 2^52 - 1.5 * 2^52 rounds x to an integer
constexpr double kRound = 1.5 * kTwo52;

// 1 / x for x within float32's normal range: float32's quotient refined by two Newton steps
// (24 -> 48 -> 96 correct bits, so within an ulp of the double quotient); a float32 division
// costs a fraction of a double one.
inline vd recip(vd x) {
    vd y = widen(1.0f / __builtin_convertvector(x, vf));
    y = y + y * (1.0 - x * y);
    return y + y * (1.0 - x * y);
}

// 2^n for integer-valued lanes n in [-1022, 1023]
inline vd pow2(vd n) { return from_bits(bits(n + (kTwo52 + 1023.0)) << 52); }

// ln x for positive normal x: x = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(f) with
// f = (m - 1) / (m + 1), |f| < 0.172, summed to f^23.
inline vd log(vd x) {
    const vu b = bits(x);
    vd e = from_bits((b >> 52) | 0x4330000000000000ull) - (kTwo52 + 1023.0);
    vd m = from_bits((b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
    const vi big = m > 1.4142135623730951;
    m = blend(big, 0.5 * m, m);
    e = blend(big, e + 1.0, e);
    const vd f = (m - 1.0) * recip(m + 1.0);
    const vd s = f * f;
    vd p = splat(1.0 / 23.0);
    p = p * s + 1.0 / 21.0;
    p = p * s + 1.0 / 19.0;
    p = p * s + 1.0 / 17.0;
    p = p * s + 1.0 / 15.0;
    p = p * s + 1.0 / 13.0;
    p = p * s + 1.0 / 11.0;
    p = p * s + 1.0 / 9.0;
    p = p * s + 1.0 / 7.0;
    p = p * s + 1.0 / 5.0;
    p = p * s + 1.0 / 3.0;
    return e * kLn2Hi + (e * kLn2Lo + (2.0 * f + 2.0 * f * s * p));
}

// e^x for x <= 709 (the E-step's arguments are <= 0): x = n ln 2 + r with |r| <= ln 2 / 2, e^r by
// its Taylor series to r^13, times 2^n in two steps (so that results down to the subnormals are
// rounded once); 0 below -746.
inline vd exp(vd x) {
    x = blend(x < -746.0, splat(-746.0), x);
    const vd n = (x * 1.4426950408889634 + kRound) - kRound;
    const vd r = (x - n * kLn2Hi) - n * kLn2Lo;
    vd p = splat(1.0 / 6227020800.0);
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    const vd n1 = (n * 0.5 + kRound) - kRound;  // n = n1 + (n - n1), both within range
    return p * pow2(n1) * pow2(n - n1);
}

// gensim's _digamma (gensim/_matutils.pyx, Algorithm AS 103) in T for positive x, of nv
// vectors at once (x[i] -> out[i]; x2 is scratch of nv vectors; the three do not overlap): the
// recurrence digamma(x) = digamma(x + 1) - 1/x up to x >= 8.5, then de Moivre's expansion;
// below 1e-6 its series -gamma - 1/x + pi^2/6 x. Each step rounds to T where Cython's does (its
// double literals and log() compute in double; its quotients 1/x come from `recip`, within an ulp
// of them). The recurrence runs a fixed 9 steps, idle in a lane once it reaches 8.5 (9 steps
// bring any x > 1e-6 there); all vectors take each step together, so that their chains overlap.
// Lanes below 1e-6 (outside float32's range for `recip`) take a division.
template <class T>
inline void digamma(const vd* x, vd* out, vd* x2, std::int64_t nv) {
    const vd c = round<T>(splat(8.5));
    const vd euler_mascheroni = round<T>(splat(0.57721566490153286060));
    vd* value = out;
    bool tiny = false;
    for (std::int64_t i = 0; i < nv; ++i) {
        x2[i] = x[i];
        value[i] = splat(0.0);
        const vi small = x[i] <= 0.000001;
        for (int l = 0; l < W; ++l) tiny |= small[l] != 0;
    }
    for (int step = 0; step < 9; ++step) {
        for (std::int64_t i = 0; i < nv; ++i) {
            const vi more = x2[i] < c;
            value[i] = blend(more, round<T>(value[i] - recip(x2[i])), value[i]);
            x2[i] = blend(more, round<T>(x2[i] + 1.0), x2[i]);
        }
    }
    for (std::int64_t i = 0; i < nv; ++i) {
        vd r = round<T>(recip(x2[i]));
        vd v = round<T>(value[i] + log(x2[i]) - 0.5 * r);
        r = round<T>(r * r);
        v = round<T>(v - r * (1.0 / 12.0 - r * (1.0 / 120.0 - r * (1.0 / 252.0 -
                                                                 r * (1.0 / 240.0 - r * (1.0 / 132.0))))));
        if (tiny) {
            const vd series = round<T>(-euler_mascheroni - 1.0 / x[i] + 1.6449340668482264365 * x[i]);
            v = blend(x[i] <= 0.000001, series, v);
        }
        value[i] = v;
    }
}

// W values of T from p (n <= W of them; the other lanes hold `fill`)
template <class T>
inline vd load(const T* p, int n, double fill) {
    if (n == W) {
        if constexpr (sizeof(T) == sizeof(float)) {
            vf x;
            std::memcpy(&x, p, sizeof x);
            return widen(x);
        } else {
            vd x;
            std::memcpy(&x, p, sizeof x);
            return x;
        }
    }
    vd x = splat(fill);
    for (int i = 0; i < n; ++i) x[i] = double(p[i]);
    return x;
}

template <class T>
inline void store(T* p, vd x, int n) {
    if (n == W) {
        if constexpr (sizeof(T) == sizeof(float)) {
            const vf y = __builtin_convertvector(x, vf);
            std::memcpy(p, &y, sizeof y);
        } else {
            std::memcpy(p, &x, sizeof x);
        }
        return;
    }
    for (int i = 0; i < n; ++i) p[i] = T(x[i]);
}

// digamma of one value, through the same lanes (so that it rounds as the vector calls do)
template <class T>
inline T digamma1(T x) {
    vd in = splat(double(x)), out, x2;
    digamma<T>(&in, &out, &x2, 1);
    return T(out[0]);
}

// theta[k / W][k % W] = exp(digamma(g[k]) - digamma(sum g)) in T, lanes past K = 0: gensim's
// _dirichlet_expectation_1d (its sum accumulated in T, in index order), then numpy's exp in T.
// scratch: 2 * ceil(K / W) vectors.
template <class T>
inline void exp_dirichlet_expectation(const T* g, std::int64_t K, vd* theta, vd* scratch) {
    const std::int64_t nv = (K + W - 1) / W;
    T sum = 0.0;
    for (std::int64_t k = 0; k < K; ++k) sum += g[k];
    const vd psi_sum = splat(double(digamma1(sum)));
    vd* x = scratch;
    for (std::int64_t k = 0, c = 0; k < K; k += W, ++c) x[c] = load(g + k, static_cast<int>(K - k < W ? K - k : W), 1.0);
    digamma<T>(x, theta, scratch + nv, nv);
    for (std::int64_t c = 0; c < nv; ++c) theta[c] = round<T>(exp(round<T>(theta[c] - psi_sum)));
    for (std::int64_t k = K; k < nv * W; ++k) theta[nv - 1][k % W] = 0.0;
}

}  // namespace vec
ENGINE_ISA_END
}  // namespace lda
}  // namespace engine
