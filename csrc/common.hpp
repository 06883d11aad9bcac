// Shared helpers for engine's kernels: plain C++17, no Python, no global state.
#pragma once
#include <cstdint>
#include <omp.h>

namespace engine {

using index_t = std::int64_t;

// Threads for one kernel call. Callers pass the count explicitly (engine.set_num_threads in
// Python decides it); 0 or less means "OpenMP's default".
inline int resolve_threads(int n_threads) {
    return n_threads > 0 ? n_threads : omp_get_max_threads();
}

}  // namespace engine
