// The one pybind11 binding file: engine._native.
// Python validates shapes, dtypes and contiguity before calling (engine/_kernels.py); these
// wrappers only unpack buffers and release the GIL around each kernel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "normalize.hpp"
// [search] includes

// [wmd] includes

// [meta] includes

// [classify] includes


namespace py = pybind11;
using f32 = py::array_t<float, py::array::c_style>;

namespace {

void normalize_rows(const f32& in, f32& out, f32& norms, int n_threads) {
    const auto n = in.shape(0), d = in.shape(1);
    const float* src = in.data();
    float* dst = out.mutable_data();
    float* nrm = norms.mutable_data();
    py::gil_scoped_release nogil;
    engine::normalize_rows(src, dst, nrm, n, d, n_threads);
}

// [search] wrappers

// [wmd] wrappers

// [meta] wrappers

// [classify] wrappers

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "engine's C++ kernels. Call them through engine._kernels, which validates inputs.";
    m.def("normalize_rows", &normalize_rows, py::arg("src"), py::arg("out"), py::arg("norms"),
          py::arg("n_threads"));
    // [search] defs

    // [wmd] defs

    // [meta] defs

    // [classify] defs

    m.def("max_threads", []() { return omp_get_max_threads(); });
}
