// engine._native.<path>.lowp_compress / lowp_topk / lowp_rerank (csrc/scan_lowp.hpp): building a bf16 or int8
// copy of a unit matrix, and the exact top-k through it. engine/_kernels/compressed.py checks
// every array (dtype, shape, contiguity, padding) before these wrappers see it.
#include <cstdint>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

using engine::lowp::Copy;
using u16 = carray<std::uint16_t>;
using i8 = carray<std::int8_t>;

// out: uint16 (bf16) or int8 codes, padded_rows(n) x dp, zeroed by the caller.
void compress(const KernelTable& kt, int kind, const f32& X, py::array& out, f32& scale,
              i32& rowsum, f32& err, f32& norm, f32& norm_copy, int n_threads) {
    const auto n = X.shape(0), d = X.shape(1), dp = out.shape(1);
    const float* x = X.data();
    void* o = out.mutable_data();
    float* s = scale.mutable_data();
    std::int32_t* rs = rowsum.mutable_data();
    float *e = err.mutable_data(), *nm = norm.mutable_data(), *nc = norm_copy.mutable_data();
    py::gil_scoped_release nogil;
    kt.lowp_compress(kind, x, n, d, dp, o, s, rs, e, nm, nc, n_threads);
}

// The view of a copy: err (per row ||x - x~||, n floats) refines the bound row by row.
Copy view(int kind, const py::array& data, const f32& scale, const i32& rowsum, const f32& err,
          index_t n, index_t d, double max_norm, double max_norm_copy, double max_err) {
    Copy c;
    c.kind = kind;
    c.data = data.data();
    c.scale = scale.data();
    c.rowsum = rowsum.data();
    c.err = err.data();
    c.n = n, c.d = d, c.dp = data.shape(1);
    c.max_norm = max_norm, c.max_norm_copy = max_norm_copy, c.max_err = max_err;
    return c;
}

void topk(const KernelTable& kt, int kind, const py::array& data, const f32& scale,
          const i32& rowsum, const f32& err, index_t n, double max_norm, double max_norm_copy, double max_err,
          const f32& X, index_t lo, index_t hi, const f32& Q, index_t k, const i64& ex_ptr,
          const i64& ex_ids, bool amx, int fd, std::int64_t fd_offset, f32& out_scores,
          i64& out_ids, i64& n_rescored, int n_threads) {
    const Copy c = view(kind, data, scale, rowsum, err, n, X.shape(1), max_norm, max_norm_copy, max_err);
    const float *x = X.data(), *q = Q.data();
    const std::int64_t *ep = ex_ptr.data(), *ei = ex_ids.data();
    float* os = out_scores.mutable_data();
    std::int64_t *oi = out_ids.mutable_data(), *nr = n_rescored.mutable_data();
    const auto nq = out_scores.shape(0);
    py::gil_scoped_release nogil;
    kt.lowp_topk(c, x, lo, hi, q, nq, k, ep, ei, amx, fd, fd_offset, os, oi, nr, n_threads);
}

// kind -1: the float32 re-rank alone (data, scale, rowsum, err unused; pass empty arrays).
void rerank(const KernelTable& kt, int kind, const py::array& data, const f32& scale,
            const i32& rowsum, const f32& err, double max_norm, double max_norm_copy,
            double max_err, const f32& X, const f32& Q, const i64& ids, index_t k, int fd,
            std::int64_t fd_offset, f32& out_scores, i64& out_ids, i64& n_rescored, int n_threads) {
    Copy c = view(kind, data, scale, rowsum, err, X.shape(0), X.shape(1), max_norm, max_norm_copy, max_err);
    if (kind < 0) c.data = nullptr, c.scale = nullptr, c.rowsum = nullptr, c.err = nullptr, c.dp = 0;
    const float *x = X.data(), *q = Q.data();
    const std::int64_t* id = ids.data();
    float* os = out_scores.mutable_data();
    std::int64_t *oi = out_ids.mutable_data(), *nr = n_rescored.mutable_data();
    const auto nq = ids.shape(0), m = ids.shape(1);
    py::gil_scoped_release nogil;
    kt.lowp_rerank(c, x, q, nq, id, m, k, fd, fd_offset, os, oi, nr, n_threads);
}

}  // namespace

void bind_lowp(py::module_& m, const KernelTable& k) {
    def_kernel(m, "lowp_compress", k, &compress, py::arg("kind"), py::arg("X"), py::arg("out"),
               py::arg("scale"), py::arg("rowsum"), py::arg("err"), py::arg("norm"),
               py::arg("norm_copy"), py::arg("n_threads"));
    def_kernel(m, "lowp_topk", k, &topk, py::arg("kind"), py::arg("data"), py::arg("scale"),
               py::arg("rowsum"), py::arg("err"), py::arg("n"), py::arg("max_norm"), py::arg("max_norm_copy"),
               py::arg("max_err"), py::arg("X"), py::arg("lo"), py::arg("hi"), py::arg("Q"),
               py::arg("k"), py::arg("ex_ptr"), py::arg("ex_ids"), py::arg("amx"), py::arg("fd"),
               py::arg("fd_offset"), py::arg("out_scores"), py::arg("out_ids"), py::arg("n_rescored"),
               py::arg("n_threads"));
    def_kernel(m, "lowp_rerank", k, &rerank, py::arg("kind"), py::arg("data"), py::arg("scale"),
               py::arg("rowsum"), py::arg("err"), py::arg("max_norm"), py::arg("max_norm_copy"),
               py::arg("max_err"), py::arg("X"), py::arg("Q"), py::arg("ids"), py::arg("k"),
               py::arg("fd"), py::arg("fd_offset"), py::arg("out_scores"), py::arg("out_ids"),
               py::arg("n_rescored"), py::arg("n_threads"));
}

}  // namespace engine::bindings
