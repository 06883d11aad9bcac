// The Sapphire Rapids path: AVX-512 with BF16, FP16, VNNI, VBMI and the AMX tile units (Intel
// Xeon of 2023 on): the AVX-512 path's kernels compiled with every instruction these CPUs add,
// and the bf16/int8 scans of csrc/scan_lowp.hpp with vdpbf16ps, vpdpbusd and the AMX tiles. AMX tile data needs the OS's
// permission (Linux: arch_prctl(ARCH_REQ_XCOMP_PERM)), which engine/_kernels asks for before
// choosing this path.
#if defined(__x86_64__) && !defined(ENGINE_NATIVE)
#define ENGINE_ISA spr
#define ENGINE_PATH_AVX512 1
#define ENGINE_PATH_SPR 1
#define ENGINE_PATH_REQUIRES                                                                  \
    "avx,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,xsave,avx512f,avx512cd,avx512vl,avx512bw,"        \
    "avx512dq,avx512ifma,avx512vbmi,avx512vbmi2,avx512vnni,avx512bitalg,avx512vpopcntdq,"     \
    "avx512bf16,avx512fp16,avxvnni,amx-tile,amx-int8,amx-bf16"
#define ENGINE_PATH_OS_STATE "amx"
#include "prelude.hpp"

ENGINE_TARGET_PUSH(ENGINE_PATH_REQUIRES, "prefer-vector-width=256")
#include "path.hpp"
ENGINE_TARGET_POP()
#endif
