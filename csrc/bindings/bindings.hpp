// What the binding files of engine._native share: the array types their wrappers take and one
// bind_* function per kernel family, each called once from module.cpp.
#pragma once
#include <cstdint>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace engine::bindings {

namespace py = pybind11;

// C-contiguous arrays of one dtype. engine._kernels converts and checks every array before the
// call, so a wrapper only unpacks buffers and releases the GIL around its kernel.
template <class T>
using carray = py::array_t<T, py::array::c_style>;
using f32 = carray<float>;
using f64 = carray<double>;
using i32 = carray<std::int32_t>;
using i64 = carray<std::int64_t>;

void bind_normalize(py::module_& m);  // normalize.cpp: unit rows and their norms
void bind_search(py::module_& m);     // search.cpp: exact top-k, its scoring and tile sizes
void bind_wmd(py::module_& m);        // wmd.cpp: EMD, WMD of pairs, bounds, k nearest documents
void bind_meta(py::module_& m);       // meta.cpp: the meta-embedding projection
void bind_docvec(py::module_& m);     // docvec.cpp: document vectors and their label scores
void bind_text(py::module_& m);       // text.cpp: ASCII texts to bags of word ids
void bind_topics(py::module_& m);     // topics.cpp: the LDA E-step, distances of topic distributions

}  // namespace engine::bindings
