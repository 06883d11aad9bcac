// engine._native.<path>.normalize_rows (csrc/normalize.hpp).
#include "bindings.hpp"

namespace engine::bindings {
namespace {

void normalize_rows(const KernelTable& k, const f32& src, f32& out, f32& norms, int n_threads) {
    const auto n = src.shape(0), d = src.shape(1);
    const float* in = src.data();
    float* dst = out.mutable_data();
    float* nrm = norms.mutable_data();
    py::gil_scoped_release nogil;
    k.normalize_rows(in, dst, nrm, n, d, n_threads);
}

}  // namespace

void bind_normalize(py::module_& m, const KernelTable& k) {
    def_kernel(m, "normalize_rows", k, &normalize_rows, py::arg("src"), py::arg("out"),
               py::arg("norms"), py::arg("n_threads"));
}

}  // namespace engine::bindings
