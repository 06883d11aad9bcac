// The AVX-512 path: x86-64-v4, as Skylake-SP (AVX-512 F, CD, VL, BW, DQ), the servers of 2017 on
// and AMD Zen 4. Loops the compiler vectorises stay 256 bits wide (as GCC's tuning for these
// CPUs has it); the kernels' explicit 512-bit code (csrc/topk.hpp) and 64-byte vector types use
// the whole register.
#if defined(__x86_64__) && !defined(ENGINE_NATIVE)
#define ENGINE_ISA avx512
#define ENGINE_PATH_AVX512 1
#define ENGINE_PATH_REQUIRES \
    "avx,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,xsave,avx512f,avx512cd,avx512vl,avx512bw,avx512dq"
#define ENGINE_PATH_OS_STATE "zmm"
#include "prelude.hpp"

ENGINE_TARGET_PUSH(ENGINE_PATH_REQUIRES, "prefer-vector-width=256")
#include "path.hpp"
ENGINE_TARGET_POP()
#endif
