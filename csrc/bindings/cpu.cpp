// engine._native.cpu_features / cpu_brand / request_amx (csrc/dispatch/cpu.hpp): what the CPU
// and the OS offer, read when engine/_kernels chooses a dispatch path.
#include <pybind11/stl.h>

#include "../dispatch/cpu.hpp"
#include "bindings.hpp"

namespace engine::bindings {

void bind_cpu(py::module_& m) {
    m.def(
        "cpu_features",
        [] {
            py::dict out;  // in a fixed order: the order cpu.hpp lists them
            for (const auto& [name, has] : engine::cpu::features()) out[py::str(name)] = has;
            return out;
        },
        "The CPU's features (GCC's target names) and the register state the OS saves "
        "(ymm-state, zmm-state, amx-state): name -> bool. Empty off x86-64.");
    m.def("cpu_brand", &engine::cpu::brand, "The CPU's name from CPUID ('' if none).");
    m.def("request_amx", &engine::cpu::request_amx,
          "Ask the OS for AMX tile data in this process: 0 if granted, else the errno.");
}

}  // namespace engine::bindings
