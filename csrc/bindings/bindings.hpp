// What the binding files of engine._native share: the array types their wrappers take, the way a
// wrapper is bound to one path's kernels, and one bind_* function per kernel family, each called
// from module.cpp: bind_<family>_types once for the module, bind_<family> once per dispatch path.
#pragma once
#include <cstdint>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "../dispatch/table.hpp"

namespace engine::bindings {

namespace py = pybind11;
using engine::dispatch::KernelTable;

// C-contiguous arrays of one dtype. engine._kernels converts and checks every array before the
// call, so a wrapper only unpacks buffers and releases the GIL around its kernel.
template <class T>
using carray = py::array_t<T, py::array::c_style>;
using f32 = carray<float>;
using f64 = carray<double>;
using i32 = carray<std::int32_t>;
using i64 = carray<std::int64_t>;

// Bind `wrapper(const KernelTable&, args...)` as `name(args...)` in one path's submodule, calling
// that path's kernels: the wrappers are written once, for every path.
template <class R, class... Args, class... Extra>
void def_kernel(py::module_& m, const char* name, const KernelTable& k,
                R (*wrapper)(const KernelTable&, Args...), const Extra&... extra) {
    const KernelTable* table = &k;  // a constant of the program
    m.def(
        name,
        [table, wrapper](Args... args) -> R {
            return wrapper(*table, std::forward<Args>(args)...);
        },
        extra...);
}

void bind_cpu(py::module_& m);  // cpu.cpp: the CPU's features, the OS's AMX permission

void bind_normalize(py::module_& m, const KernelTable& k);  // normalize.cpp: unit rows, norms
void bind_search_types(py::module_& m);                     // search.cpp: Scoring, TopKParams
void bind_search(py::module_& m, const KernelTable& k);     //   exact top-k
void bind_lowp(py::module_& m, const KernelTable& k);       // lowp.cpp: bf16/int8 copies, scan
void bind_wmd_types(py::module_& m);                        // wmd.cpp: WmdMethod, SinkhornParams
void bind_wmd(py::module_& m, const KernelTable& k);        //   EMD, WMD, bounds, k nearest
void bind_meta(py::module_& m, const KernelTable& k);       // meta.cpp: the meta projection
void bind_docvec(py::module_& m, const KernelTable& k);     // docvec.cpp: document vectors
void bind_text_types(py::module_& m);                       // text.cpp: AsciiVocab
void bind_text(py::module_& m, const KernelTable& k);       //   ASCII texts to bags of ids
void bind_topics_types(py::module_& m);                     // topics.cpp: TopicMeasure
void bind_topics(py::module_& m, const KernelTable& k);     //   LDA E-step, topic distances
void bind_hnsw(py::module_& m, const KernelTable& k);       // hnsw.cpp: search of a FAISS HNSW graph

}  // namespace engine::bindings
