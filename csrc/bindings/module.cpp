// engine._native: the one extension module of engine's C++ kernels, bound family by family.
#include "bindings.hpp"

PYBIND11_MODULE(_native, m) {
    m.doc() = "engine's C++ kernels. Call them through engine._kernels, which validates inputs.";
    using namespace engine::bindings;
    bind_normalize(m);
    bind_search(m);
    bind_wmd(m);
    bind_meta(m);
    bind_docvec(m);
    bind_text(m);
    bind_topics(m);
}
