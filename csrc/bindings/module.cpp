// engine._native: the one extension module of engine's C++ kernels. The types the kernels share
// are bound once, on the module; the kernels once per dispatch path compiled into this build, as
// a submodule named after the path (engine._native.avx2.topk, ...). `paths` lists them fastest
// first; engine/_kernels chooses one at import from cpu_features().
#include "bindings.hpp"

PYBIND11_MODULE(_native, m) {
    m.doc() = "engine's C++ kernels, one submodule per dispatch path. Call them through "
              "engine._kernels, which validates inputs and chooses the path.";
    using namespace engine::bindings;
    bind_cpu(m);
    bind_search_types(m);
    bind_wmd_types(m);
    bind_text_types(m);
    bind_topics_types(m);
    py::list names;
    for (const KernelTable* k : engine::dispatch::compiled_paths()) {
        py::module_ path = m.def_submodule(k->name, "engine's kernels compiled for one path");
        path.attr("requires") = k->requires;
        path.attr("os_state") = k->os_state;
        bind_normalize(path, *k);
        bind_search(path, *k);
        bind_lowp(path, *k);
        bind_wmd(path, *k);
        bind_meta(path, *k);
        bind_docvec(path, *k);
        bind_text(path, *k);
        bind_topics(path, *k);
        bind_hnsw(path, *k);
        names.append(k->name);
    }
    m.attr("paths") = py::tuple(names);
#if defined(ENGINE_NATIVE)
    m.attr("build") = "native";
#else
    m.attr("build") = "dispatch";
#endif
}
