// Shared helpers for engine's kernels: plain C++17, no Python, no global state.
#pragma once
#include <cstdint>
#include <omp.h>

// Every kernel is compiled once per instruction set (csrc/dispatch/). Each copy lives in its own
// namespace, named by ENGINE_ISA, which a kernel header opens with ENGINE_ISA_BEGIN inside its
// own namespace: two copies of an inline function then never share a symbol, so the linker can
// never keep the AVX-512 copy for the baseline path. Inline, so that the kernels call each other
// (and the bindings name them) without spelling the path. Without ENGINE_ISA (a kernel header
// used on its own) there is no such namespace.
#if defined(ENGINE_ISA)
#define ENGINE_ISA_BEGIN inline namespace ENGINE_ISA {
#define ENGINE_ISA_END }
#else
#define ENGINE_ISA_BEGIN
#define ENGINE_ISA_END
#endif

// ENGINE_AVX512: the path may use AVX-512 (F, BW, VL, DQ) intrinsics. A path file defines
// ENGINE_PATH_AVX512 (GCC's `#pragma GCC target` does not define __AVX512F__ in C++); a native
// build gets it from -march.
#if defined(__x86_64__) && (defined(ENGINE_PATH_AVX512) || (defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512DQ__)))
#define ENGINE_AVX512 1
#endif

namespace engine {

using index_t = std::int64_t;

// Threads for one kernel call. Callers pass the count explicitly (engine.set_num_threads in
// Python decides it); 0 or less means "OpenMP's default".
inline int resolve_threads(int n_threads) {
    return n_threads > 0 ? n_threads : omp_get_max_threads();
}

}  // namespace engine
