// The AVX2 path: x86-64-v3 (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE), the CPUs of 2013 on (Intel
// Haswell, AMD Excavator and Zen). The kernels' 256-bit code; nothing else in this file.
#if defined(__x86_64__) && !defined(ENGINE_NATIVE)
#define ENGINE_ISA avx2
#define ENGINE_PATH_REQUIRES "avx,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,xsave"
#define ENGINE_PATH_OS_STATE "ymm"
#include "prelude.hpp"

ENGINE_TARGET_PUSH(ENGINE_PATH_REQUIRES, "prefer-vector-width=256")
#include "path.hpp"
ENGINE_TARGET_POP()
#endif
