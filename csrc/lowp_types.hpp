// The view of a compressed copy of a unit matrix (bf16, or int8 with a per-row scale) that the
// low-precision scans of csrc/scan_lowp.hpp read. Plain data, compiled once for the baseline like
// csrc/types.hpp: it crosses between the bindings and every dispatch path.
//
// The packed layout (the same for both kinds, so that one AMX tile load, one AVX-512 load or two
// AVX2 loads fetch 16 rows' worth of a group): the rows are padded to a multiple of kRowAlign and
// each row to dp elements (a multiple of kColAlign; padding is zero). Rows come in blocks of 16;
// inside a block, the row's elements come in groups of G (G = 2 for bf16, 4 for int8, i.e. 4
// bytes), and group g of the block's 16 rows is one 64-byte slab: element i of row r lives at
//   (r / 16) * 16 * dp  +  (i / G) * 16 * G  +  (r % 16) * G  +  i % G      (in elements).
// This is AMX's "VNNI" layout of a B tile, and a slab is what vdpbf16ps / vpdpbusd take.
#pragma once
#include <cstdint>

#include "common.hpp"

namespace engine::lowp {

enum Kind : int { F32 = -1, BF16 = 0, INT8 = 1 };  // F32: no copy (csrc/scan_lowp.hpp: rerank)

constexpr index_t kBlock = 16;     // rows per block
constexpr index_t kRowAlign = 32;  // rows padded to this: two blocks, an AMX tile pair
constexpr index_t kColAlign = 64;  // elements per row padded to this: an AMX int8 tile row

inline index_t padded_rows(index_t n) { return (n + kRowAlign - 1) / kRowAlign * kRowAlign; }
inline index_t padded_dim(index_t d) { return (d + kColAlign - 1) / kColAlign * kColAlign; }

// A compressed copy and the maxima its error bound needs (each an upper bound, in float64).
struct Copy {
    int kind = BF16;
    const void* data = nullptr;              // padded_rows(n) x dp, packed (std::uint16_t or int8)
    const float* scale = nullptr;            // int8: row r's codes times scale[r] is its copy
    const std::int32_t* rowsum = nullptr;    // int8: the sum of row r's codes (VNNI's u8 offset)
    const float* err = nullptr;              // n: per row ||x - x~||, rounded up (null: max_err)
    index_t n = 0, d = 0, dp = 0;
    double max_norm = 0;        // max over rows of ||x||
    double max_norm_copy = 0;   // max over rows of ||x~||
    double max_err = 0;         // max over rows of ||x - x~||
};

}  // namespace engine::lowp
