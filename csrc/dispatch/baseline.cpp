// The baseline path: the kernels compiled with the build's own options alone, so it runs on every
// CPU the build targets (x86-64-v2 on x86-64: SSE4.2 and POPCNT, the CPUs of 2009 on; on aarch64
// the architecture's NEON). A native build (ENGINE_CPU=native) compiles only this file, for the
// build machine's CPU, as the path "native".
#if defined(ENGINE_NATIVE)
#define ENGINE_ISA native
// What -march=native gave the compiler, as far as the kernels' paths care: a CPU without one of
// these is refused at import instead of dying on an illegal instruction.
#define ENGINE_PATH_REQUIRES                                                                   \
    ENGINE_IF_SSE42 ENGINE_IF_POPCNT ENGINE_IF_AVX ENGINE_IF_AVX2 ENGINE_IF_FMA ENGINE_IF_BMI2 \
        ENGINE_IF_AVX512F ENGINE_IF_AVX512BW ENGINE_IF_AVX512VL ENGINE_IF_AVX512DQ            \
            ENGINE_IF_AVX512BF16 ENGINE_IF_AVX512FP16 ENGINE_IF_AMX_TILE ""
#define ENGINE_PATH_OS_STATE ""
#if defined(__SSE4_2__)
#define ENGINE_IF_SSE42 "sse4.2,"
#else
#define ENGINE_IF_SSE42
#endif
#if defined(__POPCNT__)
#define ENGINE_IF_POPCNT "popcnt,"
#else
#define ENGINE_IF_POPCNT
#endif
#if defined(__AVX__)
#define ENGINE_IF_AVX "avx,"
#else
#define ENGINE_IF_AVX
#endif
#if defined(__AVX2__)
#define ENGINE_IF_AVX2 "avx2,"
#else
#define ENGINE_IF_AVX2
#endif
#if defined(__FMA__)
#define ENGINE_IF_FMA "fma,"
#else
#define ENGINE_IF_FMA
#endif
#if defined(__BMI2__)
#define ENGINE_IF_BMI2 "bmi2,"
#else
#define ENGINE_IF_BMI2
#endif
#if defined(__AVX512F__)
#define ENGINE_IF_AVX512F "avx512f,"
#else
#define ENGINE_IF_AVX512F
#endif
#if defined(__AVX512BW__)
#define ENGINE_IF_AVX512BW "avx512bw,"
#else
#define ENGINE_IF_AVX512BW
#endif
#if defined(__AVX512VL__)
#define ENGINE_IF_AVX512VL "avx512vl,"
#else
#define ENGINE_IF_AVX512VL
#endif
#if defined(__AVX512DQ__)
#define ENGINE_IF_AVX512DQ "avx512dq,"
#else
#define ENGINE_IF_AVX512DQ
#endif
#if defined(__AVX512BF16__)
#define ENGINE_IF_AVX512BF16 "avx512bf16,"
#else
#define ENGINE_IF_AVX512BF16
#endif
#if defined(__AVX512FP16__)
#define ENGINE_IF_AVX512FP16 "avx512fp16,"
#else
#define ENGINE_IF_AVX512FP16
#endif
#if defined(__AMX_TILE__)
#define ENGINE_IF_AMX_TILE "amx-tile,"
#else
#define ENGINE_IF_AMX_TILE
#endif

#else  // the dispatched build's baseline
#define ENGINE_ISA baseline
#if defined(__x86_64__)
#define ENGINE_PATH_REQUIRES "sse3,ssse3,sse4.1,sse4.2,popcnt,cx16,sahf"  // x86-64-v2
#else
#define ENGINE_PATH_REQUIRES ""
#endif
#define ENGINE_PATH_OS_STATE ""
#endif

#include "prelude.hpp"
#include "path.hpp"
