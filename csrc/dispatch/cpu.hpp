// What the running CPU and OS offer the dispatch paths: the CPU's features (CPUID, named as GCC's
// target options), the register state the OS saves on a context switch (XGETBV), and, on Linux,
// the permission to use AMX tile data (arch_prctl). Plain functions that only read the machine:
// engine/_kernels decides, once, at import. x86-64 only; other architectures report their name.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <cerrno>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__APPLE__) && defined(__x86_64__)
#include <sys/sysctl.h>
#endif

namespace engine::cpu {

using Features = std::vector<std::pair<std::string, bool>>;

#if defined(__x86_64__)

struct Regs {
    unsigned a = 0, b = 0, c = 0, d = 0;
};

inline Regs cpuid(unsigned leaf, unsigned sub) {
    Regs r;
    if (!__get_cpuid_count(leaf, sub, &r.a, &r.b, &r.c, &r.d)) r = Regs{};
    return r;
}

// XCR0: the register state the OS saves (bit 1 SSE, 2 AVX, 5-7 AVX-512, 17-18 AMX). Read only
// when CPUID says the OS enabled XSAVE (OSXSAVE), else XGETBV itself is an illegal instruction.
inline std::uint64_t xcr0(bool osxsave) {
    if (!osxsave) return 0;
    std::uint32_t lo, hi;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));  // xgetbv
    return (std::uint64_t(hi) << 32) | lo;
}

inline bool bit(unsigned r, int i) { return (r >> i) & 1u; }

// macOS enables AVX-512 state on a thread's first use, so XCR0 does not show it: the kernel's
// own flag says whether it will.
inline bool os_saves_zmm(std::uint64_t x) {
#if defined(__APPLE__)
    int v = 0;
    size_t len = sizeof(v);
    return sysctlbyname("hw.optional.avx512f", &v, &len, nullptr, 0) == 0 && v != 0;
#else
    return (x & 0xE6) == 0xE6;
#endif
}

// The CPU's features (GCC's target names) and three pseudo-features for the OS's saved state:
// ymm-state (AVX), zmm-state (AVX-512), amx-state (AMX tile configuration and data).
inline Features features() {
    const unsigned max_leaf = cpuid(0, 0).a;
    const Regs l1 = cpuid(1, 0);
    const Regs l7 = max_leaf >= 7 ? cpuid(7, 0) : Regs{};
    const Regs l71 = max_leaf >= 7 && l7.a >= 1 ? cpuid(7, 1) : Regs{};
    const Regs e1 = cpuid(0x80000000u, 0).a >= 0x80000001u ? cpuid(0x80000001u, 0) : Regs{};
    const std::uint64_t x = xcr0(bit(l1.c, 27));
    return {
        {"sse3", bit(l1.c, 0)},        {"ssse3", bit(l1.c, 9)},
        {"sse4.1", bit(l1.c, 19)},     {"sse4.2", bit(l1.c, 20)},
        {"popcnt", bit(l1.c, 23)},     {"cx16", bit(l1.c, 13)},
        {"sahf", bit(e1.c, 0)},        {"avx", bit(l1.c, 28)},
        {"avx2", bit(l7.b, 5)},        {"fma", bit(l1.c, 12)},
        {"bmi", bit(l7.b, 3)},         {"bmi2", bit(l7.b, 8)},
        {"f16c", bit(l1.c, 29)},       {"lzcnt", bit(e1.c, 5)},
        {"movbe", bit(l1.c, 22)},      {"xsave", bit(l1.c, 26)},
        {"avx512f", bit(l7.b, 16)},    {"avx512cd", bit(l7.b, 28)},
        {"avx512vl", bit(l7.b, 31)},   {"avx512bw", bit(l7.b, 30)},
        {"avx512dq", bit(l7.b, 17)},   {"avx512ifma", bit(l7.b, 21)},
        {"avx512vbmi", bit(l7.c, 1)},  {"avx512vbmi2", bit(l7.c, 6)},
        {"avx512vnni", bit(l7.c, 11)}, {"avx512bitalg", bit(l7.c, 12)},
        {"avx512vpopcntdq", bit(l7.c, 14)}, {"avx512bf16", bit(l71.a, 5)},
        {"avx512fp16", bit(l7.d, 23)}, {"avxvnni", bit(l71.a, 4)},
        {"amx-tile", bit(l7.d, 24)},   {"amx-int8", bit(l7.d, 25)},
        {"amx-bf16", bit(l7.d, 22)},
        {"ymm-state", (x & 0x6) == 0x6},
        {"zmm-state", os_saves_zmm(x)},
        {"amx-state", (x & 0x60000) == 0x60000},
    };
}

// The CPU's name (CPUID brand string), or "" when it has none.
inline std::string brand() {
    if (cpuid(0x80000000u, 0).a < 0x80000004u) return "";
    char s[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
        const Regs r = cpuid(0x80000002u + i, 0);
        const unsigned v[4] = {r.a, r.b, r.c, r.d};
        for (int j = 0; j < 16; ++j) s[16 * i + j] = char((v[j / 4] >> (8 * (j % 4))) & 0xFF);
    }
    std::string out(s);
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return "";
    return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

#else  // not x86-64: no paths beyond the baseline, nothing to read

inline Features features() { return {}; }
inline std::string brand() { return ""; }

#endif

// Ask the OS for AMX tile data in this process (Linux 5.16 and later require it before the first
// tile instruction). Returns 0 when granted (or not needed: not Linux), else the errno of the
// refusal (EINVAL: a kernel without the request; ENOSYS: no arch_prctl).
inline int request_amx() {
#if defined(__linux__) && defined(__x86_64__)
    constexpr int kReqXcompPerm = 0x1023, kGetXcompPerm = 0x1022, kXtileData = 18;
    if (syscall(SYS_arch_prctl, kReqXcompPerm, kXtileData) != 0) return errno;
    unsigned long perm = 0;
    if (syscall(SYS_arch_prctl, kGetXcompPerm, &perm) != 0) return errno;
    return (perm >> kXtileData) & 1ul ? 0 : EPERM;
#else
    return 0;
#endif
}

}  // namespace engine::cpu
