// engine._native.<path>: exact EMD (csrc/emd.hpp) and Word Mover's Distance (csrc/wmd.hpp) of
// one pair, of many pairs, its lower bounds and exact k nearest documents. The Sinkhorn parameters
// are bound once as a class whose defaults are SinkhornParams' own; the methods as an enum.
#include <cstdint>
#include <string>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

using engine::SinkhornParams;

// A batch of bags of words in CSR form: each document's entries ptr[d] .. ptr[d+1].
engine::DocsView docs_view(const i64& ptr, const i32& loc, const i64& gid, const f64& w) {
    return engine::DocsView{ptr.data(), loc.data(), gid.data(), w.data()};
}

py::tuple emd_cost(const KernelTable& k, const f64& a, const f64& b, const f64& M) {
    const int m = static_cast<int>(a.shape(0)), n = static_cast<int>(b.shape(0));
    int status;
    double cost;
    {
        py::gil_scoped_release nogil;
        cost = k.emd_cost(a.data(), m, b.data(), n, M.data(), &status);
    }
    return py::make_tuple(cost, status);
}

py::tuple wmd_single(const KernelTable& k, const f64& Xa, const i64& gid_a, const f64& wa,
                     const f64& Xb, const i64& gid_b, const f64& wb, int method,
                     const SinkhornParams& sinkhorn) {
    const int m = static_cast<int>(gid_a.shape(0)), n = static_cast<int>(gid_b.shape(0));
    const auto dim = Xa.shape(1);
    int status;
    double d;
    {
        py::gil_scoped_release nogil;
        d = k.wmd_single(Xa.data(), gid_a.data(), wa.data(), m, Xb.data(), gid_b.data(), wb.data(),
                         n, dim, method, sinkhorn, &status);
    }
    return py::make_tuple(d, status);
}

py::tuple wmd_single_ids(const KernelTable& k, const f32& unit, const f32& norms, const i32& ids,
                         const f32& counts, int split, int method,
                         const SinkhornParams& sinkhorn) {
    const auto dim = unit.shape(1);
    const int nnz = static_cast<int>(ids.shape(0));
    const float* pn = norms.shape(0) ? norms.data() : nullptr;
    int status;
    double d;
    {
        py::gil_scoped_release nogil;
        d = k.wmd_single_ids(unit.data(), pn, dim, ids.data(), counts.data(), nnz, split, method,
                             sinkhorn, &status);
    }
    return py::make_tuple(d, status);
}

void wmd_pair_costs(const KernelTable& k, const f64& A, const f64& B, f64& D, int n_threads) {
    const auto ra = A.shape(0), rb = B.shape(0), dim = A.shape(1);
    const double* pa = A.data();
    const double* pb = B.data();
    double* pd = D.mutable_data();
    py::gil_scoped_release nogil;
    k.pair_costs(pa, ra, pb, rb, dim, pd, n_threads);
}

int wmd_pairs(const KernelTable& k, const f64& D, const i64& a_ptr, const i32& a_loc,
              const i64& a_gid, const f64& a_w, const i64& b_ptr, const i32& b_loc,
              const i64& b_gid, const f64& b_w, const i64& ia, const i64& ib, f64& out,
              int n_threads, int method, const SinkhornParams& sinkhorn) {
    const auto A = docs_view(a_ptr, a_loc, a_gid, a_w), B = docs_view(b_ptr, b_loc, b_gid, b_w);
    const double* pd = D.data();
    const auto ldd = D.shape(1);
    const std::int64_t* pia = ia.data();
    const std::int64_t* pib = ib.data();
    double* po = out.mutable_data();
    const auto np = ia.shape(0);
    int status;
    py::gil_scoped_release nogil;
    k.wmd_pairs(pd, ldd, A, B, pia, pib, np, method, sinkhorn, po, &status, n_threads);
    return status;
}

int wmd_zip(const KernelTable& k, const f64& X, const i64& a_ptr, const i32& a_loc,
            const i64& a_gid, const f64& a_w, const i64& b_ptr, const i32& b_loc,
            const i64& b_gid, const f64& b_w, f64& out, int n_threads, int method,
            const SinkhornParams& sinkhorn) {
    const auto A = docs_view(a_ptr, a_loc, a_gid, a_w), B = docs_view(b_ptr, b_loc, b_gid, b_w);
    const double* px = X.data();
    const auto dim = X.shape(1), np = a_ptr.shape(0) - 1;
    double* po = out.mutable_data();
    int status;
    py::gil_scoped_release nogil;
    k.wmd_zip(px, dim, A, B, np, method, sinkhorn, po, &status, n_threads);
    return status;
}

void wmd_bounds(const KernelTable& k, const f64& Dq, const i64& q_ptr, const i32& q_loc,
                const i64& q_gid, const f64& q_w, const i64& c_ptr, const i32& c_loc,
                const i64& c_gid, const f64& c_w, const f64& qcent, const f64& ccent, f64& wcd,
                f64& rwmd, f64& ict, int n_threads) {
    const auto Q = docs_view(q_ptr, q_loc, q_gid, q_w), C = docs_view(c_ptr, c_loc, c_gid, c_w);
    const auto nq = q_ptr.shape(0) - 1, nc = c_ptr.shape(0) - 1, V = Dq.shape(1);
    const auto dim = qcent.shape(1);
    const double *pd = Dq.data(), *pq = qcent.data(), *pc = ccent.data();
    double *pw = wcd.mutable_data(), *pr = rwmd.mutable_data(), *pi = ict.mutable_data();
    py::gil_scoped_release nogil;
    k.wmd_bounds(pd, V, Q, nq, C, nc, pq, pc, dim, pw, pr, pi, n_threads);
}

int wmd_knn(const KernelTable& kt, const f64& Dq, const i64& q_ptr, const i32& q_loc,
            const i64& q_gid, const f64& q_w, const i64& c_ptr, const i32& c_loc,
            const i64& c_gid, const f64& c_w, const f64& qcent, const f64& ccent, int k,
            bool use_ict, f64& out_d, i64& out_i, i64& n_exact, int n_threads) {
    const auto Q = docs_view(q_ptr, q_loc, q_gid, q_w), C = docs_view(c_ptr, c_loc, c_gid, c_w);
    const auto nq = q_ptr.shape(0) - 1, nc = c_ptr.shape(0) - 1, V = Dq.shape(1);
    const auto dim = qcent.shape(1);
    const double *pd = Dq.data(), *pq = qcent.data(), *pc = ccent.data();
    double* pod = out_d.mutable_data();
    std::int64_t* poi = out_i.mutable_data();
    std::int64_t* pne = n_exact.mutable_data();
    int status;
    py::gil_scoped_release nogil;
    kt.wmd_knn(pd, V, Q, nq, C, nc, pq, pc, dim, k, use_ict, pod, poi, pne, &status, n_threads);
    return status;
}

std::string repr(const SinkhornParams& p) {
    return "SinkhornParams(reg=" + py::repr(py::float_(p.reg)).cast<std::string>() +
           ", max_iter=" + std::to_string(p.max_iter) +
           ", tol=" + py::repr(py::float_(p.tol)).cast<std::string>() + ")";
}

}  // namespace

void bind_wmd_types(py::module_& m) {
    py::enum_<engine::WmdMethod>(m, "WmdMethod", "How one pair is solved.")
        .value("emd", engine::WMD_EMD, "exact earth mover's distance")
        .value("sinkhorn", engine::WMD_SINKHORN, "entropic approximation (Sinkhorn)");
    py::class_<SinkhornParams>(m, "SinkhornParams", "Parameters of the Sinkhorn approximation.")
        .def(py::init<>())
        .def_readwrite("reg", &SinkhornParams::reg, "entropic regularisation")
        .def_readwrite("max_iter", &SinkhornParams::max_iter, "iterations at most")
        .def_readwrite("tol", &SinkhornParams::tol, "stop when the marginals are this close")
        .def("__repr__", &repr);
}

void bind_wmd(py::module_& m, const KernelTable& k) {
    const int emd = engine::WMD_EMD;
    const SinkhornParams sinkhorn;
    def_kernel(m, "emd_cost", k, &emd_cost, py::arg("a"), py::arg("b"), py::arg("M"));
    def_kernel(m, "wmd_pair_costs", k, &wmd_pair_costs, py::arg("A"), py::arg("B"), py::arg("D"),
               py::arg("n_threads"));
    def_kernel(m, "wmd_single", k, &wmd_single, py::arg("Xa"), py::arg("gid_a"), py::arg("wa"),
               py::arg("Xb"), py::arg("gid_b"), py::arg("wb"), py::arg("method") = emd,
               py::arg("sinkhorn") = sinkhorn);
    def_kernel(m, "wmd_single_ids", k, &wmd_single_ids, py::arg("unit"), py::arg("norms"),
               py::arg("ids"), py::arg("counts"), py::arg("split"), py::arg("method") = emd,
               py::arg("sinkhorn") = sinkhorn);
    def_kernel(m, "wmd_pairs", k, &wmd_pairs, py::arg("D"), py::arg("a_ptr"), py::arg("a_loc"),
               py::arg("a_gid"), py::arg("a_w"), py::arg("b_ptr"), py::arg("b_loc"),
               py::arg("b_gid"), py::arg("b_w"), py::arg("ia"), py::arg("ib"), py::arg("out"),
               py::arg("n_threads"), py::arg("method") = emd, py::arg("sinkhorn") = sinkhorn);
    def_kernel(m, "wmd_zip", k, &wmd_zip, py::arg("X"), py::arg("a_ptr"), py::arg("a_loc"),
               py::arg("a_gid"), py::arg("a_w"), py::arg("b_ptr"), py::arg("b_loc"),
               py::arg("b_gid"), py::arg("b_w"), py::arg("out"), py::arg("n_threads"),
               py::arg("method") = emd, py::arg("sinkhorn") = sinkhorn);
    def_kernel(m, "wmd_bounds", k, &wmd_bounds, py::arg("Dq"), py::arg("q_ptr"), py::arg("q_loc"),
               py::arg("q_gid"), py::arg("q_w"), py::arg("c_ptr"), py::arg("c_loc"),
               py::arg("c_gid"), py::arg("c_w"), py::arg("qcent"), py::arg("ccent"),
               py::arg("wcd"), py::arg("rwmd"), py::arg("ict"), py::arg("n_threads"));
    def_kernel(m, "wmd_knn", k, &wmd_knn, py::arg("Dq"), py::arg("q_ptr"), py::arg("q_loc"),
               py::arg("q_gid"), py::arg("q_w"), py::arg("c_ptr"), py::arg("c_loc"),
               py::arg("c_gid"), py::arg("c_w"), py::arg("qcent"), py::arg("ccent"), py::arg("k"),
               py::arg("use_ict"), py::arg("out_d"), py::arg("out_i"), py::arg("n_exact"),
               py::arg("n_threads"));
}

}  // namespace engine::bindings
