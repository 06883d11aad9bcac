// What a path file (csrc/dispatch/<path>.cpp) includes, after naming its path (ENGINE_ISA) and
// BEFORE its target options: every standard, OpenMP and intrinsics header the kernels use, and the
// types shared by every path. Whatever is compiled from them (std::vector's members, std::sort's
// loops, AsciiVocab::find ...) is then compiled for the baseline in every path file, so the one
// copy the linker keeps of each runs on any CPU. A kernel header that needs another standard
// header must add it here: included first after the target options, its inline functions would be
// compiled for that path's instruction set under their usual names (the ODR trap: the linker may
// keep that copy for the baseline too). The same holds for a standard template over a type whose
// layout depends on the instruction set (GCC's vector types: their alignment does): give it a type
// of the path's namespace (csrc/lda.hpp's LaneAllocator). tests/test_dispatch.py checks the built
// module for both.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <new>
#include <numeric>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include <omp.h>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>  // pread: csrc/scan_lowp.hpp re-reads float32 rows from their file
#endif

#if defined(__x86_64__)
#include <immintrin.h>  // the intrinsics are always-inline functions with their own targets
#endif

#include "../ascii_vocab.hpp"
#include "../common.hpp"
#include "../types.hpp"
#include "table.hpp"

// ENGINE_TARGET_PUSH(features, tuning) ... ENGINE_TARGET_POP(): every function defined between
// them (the kernels, their lambdas and OpenMP regions) is compiled for `features` (GCC's target
// names, comma-separated) with GCC's `tuning` options. Instruction-set options only, never
// arch= or tune=: GCC inlines a function into one with other target options only when they
// differ in instruction sets alone, and the kernels rely on inlining the standard library.
#define ENGINE_STRINGIFY(x) #x
#define ENGINE_XSTRINGIFY(x) ENGINE_STRINGIFY(x)
#define ENGINE_DO_PRAGMA(x) _Pragma(ENGINE_STRINGIFY(x))
#if defined(__clang__)
#define ENGINE_TARGET_PUSH(features, tuning) \
    ENGINE_DO_PRAGMA(clang attribute push(__attribute__((target(features))), apply_to = function))
#define ENGINE_TARGET_POP() ENGINE_DO_PRAGMA(clang attribute pop)
#else
#define ENGINE_TARGET_PUSH(features, tuning) \
    ENGINE_DO_PRAGMA(GCC push_options) ENGINE_DO_PRAGMA(GCC target(features, tuning))
#define ENGINE_TARGET_POP() ENGINE_DO_PRAGMA(GCC pop_options)
#endif

#define ENGINE_CAT_(a, b) a##b
#define ENGINE_CAT(a, b) ENGINE_CAT_(a, b)
