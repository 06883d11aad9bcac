// engine._native.<path>: ASCII texts to bags of word ids in parallel (csrc/ascii_encode.hpp), the
// fast path of engine._text.encode; its vocabulary, AsciiVocab, bound once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

constexpr index_t kDocsPerTask = 512;  // documents one thread encodes at a time

// The blocks' bags of words joined into one CSR: (indptr, ids, counts, n_tokens, fallback).
py::tuple join_blocks(const std::vector<engine::EncodedBlock>& blocks, index_t n,
                      const py::array_t<bool>& fallback) {
    std::size_t nnz = 0;
    for (const auto& b : blocks) nnz += b.ids.size();
    i64 indptr(n + 1), ntok(n);
    i32 ids(static_cast<py::ssize_t>(nnz));
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

// Texts → CSR for the ASCII ones, plus a flag per text that is not (left to the Cython path):
// (indptr, ids, counts, n_tokens, fallback). The string buffers are read without the GIL:
// `keep` holds a reference to each string meanwhile.
py::tuple encode_ascii(const KernelTable& k, const engine::AsciiVocab& vocab, const py::list& texts,
                       bool lowercase, int n_threads) {
    const auto n = static_cast<index_t>(texts.size());
    std::vector<py::object> keep;
    keep.reserve(std::size_t(n));
    std::vector<const char*> ptrs(std::size_t(n), nullptr);
    std::vector<std::int64_t> lens(std::size_t(n), 0);
    py::array_t<bool> fallback(n);
    bool* fb = fallback.mutable_data();
    for (index_t i = 0; i < n; ++i) {
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
        blocks = k.encode_ascii(vocab, ptrs.data(), lens.data(), n, lowercase, kDocsPerTask,
                                n_threads);
    }
    return join_blocks(blocks, n, fallback);
}

}  // namespace

void bind_text_types(py::module_& m) {
    py::class_<engine::AsciiVocab>(m, "AsciiVocab", "A hash table: ASCII word -> row id.")
        .def(py::init<const std::vector<std::string>&>(), py::arg("keys"));
}

void bind_text(py::module_& m, const KernelTable& k) {
    def_kernel(m, "encode_ascii", k, &encode_ascii, py::arg("vocab"), py::arg("texts"),
               py::arg("lowercase"), py::arg("n_threads"));
}

}  // namespace engine::bindings
