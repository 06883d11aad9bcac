// The one pybind11 binding file: engine._native.
// Python validates shapes, dtypes and contiguity before calling (engine/_kernels.py); these
// wrappers only unpack buffers and release the GIL around each kernel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "normalize.hpp"
// [search] includes
#include "topk.hpp"

// [wmd] includes

// [meta] includes

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
using i64 = py::array_t<std::int64_t, py::array::c_style>;

// Top-k rows X[lo:hi] for each query item (see topk.hpp); sgemm is the address of a Fortran
// BLAS sgemm (scipy's, from engine._kernels), whose own threading the caller limits to one.
void topk(const f32& X, engine::index_t lo, engine::index_t hi, const f32& Q, engine::index_t k,
          const i64& ex_ptr, const i64& ex_ids, bool cosmul, int n_pos, int n_neg,
          std::uintptr_t sgemm, f32& out_scores, i64& out_ids, int n_threads,
          engine::index_t small_batch, engine::index_t query_block, engine::index_t row_tile) {
    engine::Scoring sc;
    sc.cosmul = cosmul;
    sc.n_pos = n_pos;
    sc.n_neg = n_neg;
    engine::TopKParams prm;
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
    engine::topk(x, hi - lo, d, q, nq, k, lo, ep, ei, sc, reinterpret_cast<engine::sgemm_fn>(sgemm),
                 os, oi, n_threads, prm);
}

// [wmd] wrappers

// [meta] wrappers

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

    // [meta] defs

    // [classify] defs
    py::class_<engine::AsciiVocab>(m, "AsciiVocab")
        .def(py::init<const std::vector<std::string>&>(), py::arg("keys"))
        .def("__len__", &engine::AsciiVocab::size);
    m.def("encode_ascii", &encode_ascii, py::arg("vocab"), py::arg("texts"), py::arg("lowercase"),
          py::arg("n_threads"));
    m.def("doc_vectors", &doc_vectors, py::arg("indptr"), py::arg("ids"), py::arg("weights"),
          py::arg("emb"), py::arg("comps"), py::arg("normalize"), py::arg("out"), py::arg("norms"),
          py::arg("n_threads"));

    m.def("max_threads", []() { return omp_get_max_threads(); });
}
