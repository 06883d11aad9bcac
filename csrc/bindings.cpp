// The one pybind11 binding file: engine._native.
// Python validates shapes, dtypes and contiguity before calling (engine/_kernels.py); these
// wrappers only unpack buffers and release the GIL around each kernel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "normalize.hpp"
// [search] includes
#include "topk.hpp"

// [wmd] includes
#include "wmd.hpp"

// [meta] includes
#include <cstdint>
#include <vector>
#include <pybind11/stl.h>
#include "meta.hpp"

// [classify] includes
#include <pybind11/stl.h>
#include <cstring>
#include "ascii_encode.hpp"
#include "docvec.hpp"


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
using topk_i64 = py::array_t<std::int64_t, py::array::c_style>;  // [search]-only name: avoids clashes

// Top-k rows X[lo:hi] for each query item (see topk.hpp); sgemm is the address of a Fortran
// BLAS sgemm (scipy's, from engine._kernels), whose own threading the caller limits to one.
void topk(const f32& X, engine::index_t lo, engine::index_t hi, const f32& Q, engine::index_t k,
          const topk_i64& ex_ptr, const topk_i64& ex_ids, bool cosmul, int n_pos, int n_neg,
          std::uintptr_t sgemm, f32& out_scores, topk_i64& out_ids, int n_threads,
          engine::index_t small_batch, engine::index_t query_block, engine::index_t row_tile) {
    engine::search::Scoring sc;
    sc.cosmul = cosmul;
    sc.n_pos = n_pos;
    sc.n_neg = n_neg;
    engine::search::TopKParams prm;
    prm.small_batch = small_batch;
    prm.query_block = query_block;
    prm.row_tile = row_tile;
    const auto d = X.shape(1);
    const float* x = X.data() + lo * d;
    const float* q = Q.data();
    const std::int64_t* ep = ex_ptr.data();
    const std::int64_t* ei = ex_ids.data();
    float* os = out_scores.mutable_data();
    std::int64_t* oi = out_ids.mutable_data();
    const auto nq = out_scores.shape(0);
    py::gil_scoped_release nogil;
    engine::search::topk(x, hi - lo, d, q, nq, k, lo, ep, ei, sc, reinterpret_cast<engine::search::sgemm_fn>(sgemm),
                 os, oi, n_threads, prm);
}

// [wmd] wrappers
using f64 = py::array_t<double, py::array::c_style>;
using i64 = py::array_t<std::int64_t, py::array::c_style>;
using i32 = py::array_t<std::int32_t, py::array::c_style>;

engine::SinkhornParams sinkhorn_params(double reg, int max_iter, double tol) {
    engine::SinkhornParams sp;
    sp.reg = reg;
    sp.max_iter = max_iter;
    sp.tol = tol;
    return sp;
}

engine::DocsView docs_view(const i64& ptr, const i32& loc, const i64& gid, const f64& w) {
    return engine::DocsView{ptr.data(), loc.data(), gid.data(), w.data()};
}

py::tuple emd_cost(const f64& a, const f64& b, const f64& M) {
    const int m = static_cast<int>(a.shape(0)), n = static_cast<int>(b.shape(0));
    int status;
    double cost;
    {
        py::gil_scoped_release nogil;
        engine::EmdSolver solver;
        cost = solver.solve(a.data(), m, b.data(), n, M.data(), n, nullptr, nullptr, &status);
    }
    return py::make_tuple(cost, status);
}

py::tuple wmd_single(const f64& Xa, const i64& gid_a, const f64& wa, const f64& Xb,
                     const i64& gid_b, const f64& wb, int method, double reg, int max_iter,
                     double tol) {
    const engine::SinkhornParams sp = sinkhorn_params(reg, max_iter, tol);
    const int m = static_cast<int>(gid_a.shape(0)), n = static_cast<int>(gid_b.shape(0));
    const auto dim = Xa.shape(1);
    int status;
    double d;
    {
        py::gil_scoped_release nogil;
        engine::PairWorkspace ws;
        d = engine::wmd_single(ws, Xa.data(), gid_a.data(), wa.data(), m, Xb.data(), gid_b.data(),
                               wb.data(), n, dim, method, sp, &status);
    }
    return py::make_tuple(d, status);
}

py::tuple wmd_single_ids(const f32& unit, const f32& norms, const i32& ids, const f32& counts,
                         int s, int method, double reg, int max_iter, double tol) {
    const engine::SinkhornParams sp = sinkhorn_params(reg, max_iter, tol);
    const auto dim = unit.shape(1);
    const int nnz = static_cast<int>(ids.shape(0));
    const float* pn = norms.shape(0) ? norms.data() : nullptr;
    int status;
    double d;
    {
        py::gil_scoped_release nogil;
        engine::PairWorkspace ws;
        d = engine::wmd_single_ids(ws, unit.data(), pn, dim, ids.data(), counts.data(), nnz, s,
                                   method, sp, &status);
    }
    return py::make_tuple(d, status);
}

void wmd_pair_costs(const f64& A, const f64& B, f64& D, int n_threads) {
    const auto ra = A.shape(0), rb = B.shape(0), dim = A.shape(1);
    const double* pa = A.data();
    const double* pb = B.data();
    double* pd = D.mutable_data();
    py::gil_scoped_release nogil;
    engine::pair_costs(pa, ra, pb, rb, dim, pd, n_threads);
}

int wmd_pairs(const f64& D, const i64& a_ptr, const i32& a_loc, const i64& a_gid, const f64& a_w,
              const i64& b_ptr, const i32& b_loc, const i64& b_gid, const f64& b_w, const i64& ia,
              const i64& ib, int method, double reg, int max_iter, double tol, f64& out,
              int n_threads) {
    const auto A = docs_view(a_ptr, a_loc, a_gid, a_w), B = docs_view(b_ptr, b_loc, b_gid, b_w);
    const engine::SinkhornParams sp = sinkhorn_params(reg, max_iter, tol);
    const double* pd = D.data();
    const auto ldd = D.shape(1);
    const std::int64_t* pia = ia.data();
    const std::int64_t* pib = ib.data();
    double* po = out.mutable_data();
    const auto np = ia.shape(0);
    int status;
    py::gil_scoped_release nogil;
    engine::wmd_pairs(pd, ldd, A, B, pia, pib, np, method, sp, po, &status, n_threads);
    return status;
}

int wmd_zip(const f64& X, const i64& a_ptr, const i32& a_loc, const i64& a_gid, const f64& a_w,
            const i64& b_ptr, const i32& b_loc, const i64& b_gid, const f64& b_w, int method,
            double reg, int max_iter, double tol, f64& out, int n_threads) {
    const auto A = docs_view(a_ptr, a_loc, a_gid, a_w), B = docs_view(b_ptr, b_loc, b_gid, b_w);
    const engine::SinkhornParams sp = sinkhorn_params(reg, max_iter, tol);
    const double* px = X.data();
    const auto dim = X.shape(1), np = a_ptr.shape(0) - 1;
    double* po = out.mutable_data();
    int status;
    py::gil_scoped_release nogil;
    engine::wmd_zip(px, dim, A, B, np, method, sp, po, &status, n_threads);
    return status;
}

void wmd_bounds(const f64& Dq, const i64& q_ptr, const i32& q_loc, const i64& q_gid,
                const f64& q_w, const i64& c_ptr, const i32& c_loc, const i64& c_gid,
                const f64& c_w, const f64& qcent, const f64& ccent, f64& wcd, f64& rwmd,
                f64& ict, int n_threads) {
    const auto Q = docs_view(q_ptr, q_loc, q_gid, q_w), C = docs_view(c_ptr, c_loc, c_gid, c_w);
    const auto nq = q_ptr.shape(0) - 1, nc = c_ptr.shape(0) - 1, V = Dq.shape(1);
    const auto dim = qcent.shape(1);
    const double *pd = Dq.data(), *pq = qcent.data(), *pc = ccent.data();
    double *pw = wcd.mutable_data(), *pr = rwmd.mutable_data(), *pi = ict.mutable_data();
    py::gil_scoped_release nogil;
    engine::all_bounds(pd, V, Q, nq, C, nc, pq, pc, dim, pw, pr, pi, n_threads);
}

int wmd_knn(const f64& Dq, const i64& q_ptr, const i32& q_loc, const i64& q_gid, const f64& q_w,
            const i64& c_ptr, const i32& c_loc, const i64& c_gid, const f64& c_w,
            const f64& qcent, const f64& ccent, int k, bool use_ict, f64& out_d, i64& out_i,
            i64& n_exact, int n_threads) {
    const auto Q = docs_view(q_ptr, q_loc, q_gid, q_w), C = docs_view(c_ptr, c_loc, c_gid, c_w);
    const auto nq = q_ptr.shape(0) - 1, nc = c_ptr.shape(0) - 1, V = Dq.shape(1);
    const auto dim = qcent.shape(1);
    const double *pd = Dq.data(), *pq = qcent.data(), *pc = ccent.data();
    double* pod = out_d.mutable_data();
    std::int64_t* poi = out_i.mutable_data();
    std::int64_t* pne = n_exact.mutable_data();
    int status;
    py::gil_scoped_release nogil;
    engine::wmd_knn(pd, V, Q, nq, C, nc, pq, pc, dim, k, use_ict, pod, poi, pne, &status,
                    n_threads);
    return status;
}

// [meta] wrappers
using i64 = py::array_t<std::int64_t, py::array::c_style>;

// Lists are per source; projs[s] / fill_maps[t*S+s] may be None. Shapes checked in Python.
void build_meta(const std::vector<f32>& rows, const std::vector<f32>& extras,
                const std::vector<i64>& idx, const std::vector<float>& scales,
                const std::vector<py::object>& projs, const std::vector<std::int64_t>& offsets,
                const std::vector<py::object>& fill_maps, f32& out, f32& norms,
                std::int64_t block, int n_threads) {
    const std::size_t S = rows.size();
    std::vector<engine::MetaSource> src(S);
    std::vector<f32> keep;  // owns the projection arrays cast from py::object
    keep.reserve(S + fill_maps.size());
    for (std::size_t s = 0; s < S; ++s) {
        engine::MetaSource& m = src[s];
        m.rows = rows[s].data();
        m.n_rows = rows[s].shape(0);
        m.dim = rows[s].shape(1);
        m.extra = extras[s].data();
        m.n_extra = extras[s].shape(0);
        m.idx = idx[s].data();
        m.scale = scales[s];
        m.offset = offsets[s];
        m.width = m.dim;
        if (!projs[s].is_none()) {
            keep.push_back(projs[s].cast<f32>());
            m.proj = keep.back().data();
            m.width = keep.back().shape(1);
        }
    }
    std::vector<const float*> maps(fill_maps.size(), nullptr);
    for (std::size_t k = 0; k < fill_maps.size(); ++k)
        if (!fill_maps[k].is_none()) {
            keep.push_back(fill_maps[k].cast<f32>());
            maps[k] = keep.back().data();
        }
    float* o = out.mutable_data();
    float* nr = norms.mutable_data();
    const auto n = out.shape(0), d = out.shape(1);
    py::gil_scoped_release nogil;
    engine::build_meta(src, maps, o, nr, n, d, block, n_threads);
}

// [classify] wrappers
// (type names prefixed so they cannot clash with another capability's wrappers)
using classify_i32 = py::array_t<std::int32_t, py::array::c_style>;
using classify_i64 = py::array_t<std::int64_t, py::array::c_style>;

void doc_vectors(const classify_i64& indptr, const classify_i32& ids, const f32& weights, const f32& emb,
                 const f32& comps, bool normalize, f32& out, f32& norms, int n_threads) {
    const auto n = indptr.shape(0) - 1, d = emb.shape(1), k = comps.shape(0);
    const std::int64_t* ip = indptr.data();
    const std::int32_t* id = ids.data();
    const float* w = weights.data();
    const float* e = emb.data();
    const float* c = comps.data();
    float* o = out.mutable_data();
    float* nr = norms.mutable_data();
    py::gil_scoped_release nogil;
    engine::doc_vectors(ip, id, w, n, e, d, c, k, normalize, o, nr, n_threads);
}

void doc_scores(const classify_i64& indptr, const classify_i32& ids, const f32& weights,
                const f32& word_weights, const f32& emb, const f32& comps, const f32& labels,
                py::array_t<double, py::array::c_style>& scores, f32& norms, int n_threads) {
    const auto n = indptr.shape(0) - 1, d = emb.shape(1), k = comps.shape(0), nl = labels.shape(0);
    const std::int64_t* ip = indptr.data();
    const std::int32_t* id = ids.data();
    const float* w = weights.data();
    const float* ww = word_weights.shape(0) ? word_weights.data() : nullptr;
    const float* e = emb.data();
    const float* c = comps.data();
    const float* lab = labels.data();
    double* sc = scores.mutable_data();
    float* nr = norms.mutable_data();
    py::gil_scoped_release nogil;
    engine::doc_scores(ip, id, w, ww, n, e, d, c, k, lab, nl, sc, nr, n_threads);
}

// Texts → CSR for the ASCII ones (the others are flagged for the Cython path). The string
// buffers are read without the GIL: `keep` holds a reference to each string meanwhile.
py::tuple encode_ascii(const engine::AsciiVocab& vocab, const py::list& texts, bool lowercase,
                       int n_threads) {
    const auto n = static_cast<engine::index_t>(texts.size());
    std::vector<py::object> keep;
    keep.reserve(std::size_t(n));
    std::vector<const char*> ptrs(std::size_t(n), nullptr);
    std::vector<std::int64_t> lens(std::size_t(n), 0);
    py::array_t<bool> fallback(n);
    bool* fb = fallback.mutable_data();
    for (engine::index_t i = 0; i < n; ++i) {
        PyObject* o = PyList_GET_ITEM(texts.ptr(), i);
        keep.push_back(py::reinterpret_borrow<py::object>(o));
        fb[i] = true;
        if (!PyUnicode_Check(o)) continue;
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(o) != 0) throw py::error_already_set();
#endif
        if (PyUnicode_IS_ASCII(o)) {
            ptrs[std::size_t(i)] = static_cast<const char*>(PyUnicode_DATA(o));
            lens[std::size_t(i)] = PyUnicode_GET_LENGTH(o);
            fb[i] = false;
        }
    }
    std::vector<engine::EncodedBlock> blocks;
    {
        py::gil_scoped_release nogil;
        blocks = engine::encode_ascii(vocab, ptrs.data(), lens.data(), n, lowercase, 512, n_threads);
    }
    std::size_t nnz = 0;
    for (const auto& b : blocks) nnz += b.ids.size();
    classify_i64 indptr(n + 1), ntok(n);
    classify_i32 ids(static_cast<py::ssize_t>(nnz));
    f32 counts(static_cast<py::ssize_t>(nnz));
    std::int64_t* ip = indptr.mutable_data();
    std::int64_t* nt = ntok.mutable_data();
    std::int32_t* id = ids.mutable_data();
    float* ct = counts.mutable_data();
    {
        py::gil_scoped_release nogil;
        std::size_t row = 0, pos = 0;
        ip[0] = 0;
        for (const auto& b : blocks) {
            for (std::size_t j = 0; j < b.lengths.size(); ++j, ++row) {
                ip[row + 1] = ip[row] + b.lengths[j];
                nt[row] = b.n_tokens[j];
            }
            if (!b.ids.empty()) {
                std::memcpy(id + pos, b.ids.data(), b.ids.size() * sizeof(std::int32_t));
                std::memcpy(ct + pos, b.counts.data(), b.counts.size() * sizeof(float));
            }
            pos += b.ids.size();
        }
    }
    return py::make_tuple(indptr, ids, counts, ntok, fallback);
}

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "engine's C++ kernels. Call them through engine._kernels, which validates inputs.";
    m.def("normalize_rows", &normalize_rows, py::arg("src"), py::arg("out"), py::arg("norms"),
          py::arg("n_threads"));
    // [search] defs
    m.def("topk", &topk, py::arg("X"), py::arg("lo"), py::arg("hi"), py::arg("Q"), py::arg("k"),
          py::arg("ex_ptr"), py::arg("ex_ids"), py::arg("cosmul"), py::arg("n_pos"), py::arg("n_neg"),
          py::arg("sgemm"), py::arg("out_scores"), py::arg("out_ids"), py::arg("n_threads"),
          py::arg("small_batch"), py::arg("query_block"), py::arg("row_tile"));

    // [wmd] defs
    m.def("emd_cost", &emd_cost);
    m.def("wmd_pair_costs", &wmd_pair_costs);
    m.def("wmd_single", &wmd_single);
    m.def("wmd_single_ids", &wmd_single_ids);
    m.def("wmd_pairs", &wmd_pairs);
    m.def("wmd_zip", &wmd_zip);
    m.def("wmd_bounds", &wmd_bounds);
    m.def("wmd_knn", &wmd_knn);

    // [meta] defs
    m.def("build_meta", &build_meta, py::arg("rows"), py::arg("extras"), py::arg("idx"),
          py::arg("scales"), py::arg("projs"), py::arg("offsets"), py::arg("fill_maps"),
          py::arg("out"), py::arg("norms"), py::arg("block"), py::arg("n_threads"));

    // [classify] defs
    py::class_<engine::AsciiVocab>(m, "AsciiVocab")
        .def(py::init<const std::vector<std::string>&>(), py::arg("keys"))
        .def("__len__", &engine::AsciiVocab::size);
    m.def("encode_ascii", &encode_ascii, py::arg("vocab"), py::arg("texts"), py::arg("lowercase"),
          py::arg("n_threads"));
    m.def("doc_scores", &doc_scores, py::arg("indptr"), py::arg("ids"), py::arg("weights"),
          py::arg("word_weights"), py::arg("emb"), py::arg("comps"), py::arg("labels"), py::arg("scores"), py::arg("norms"),
          py::arg("n_threads"));
    m.def("doc_vectors", &doc_vectors, py::arg("indptr"), py::arg("ids"), py::arg("weights"),
          py::arg("emb"), py::arg("comps"), py::arg("normalize"), py::arg("out"), py::arg("norms"),
          py::arg("n_threads"));

    m.def("max_threads", []() { return omp_get_max_threads(); });
}
