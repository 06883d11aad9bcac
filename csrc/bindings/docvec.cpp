// engine._native.<path>: document vectors from weighted bags of words and their cosine scores with
// label vectors (csrc/docvec.hpp).
#include <cstdint>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

// The documents (CSR rows of word ids and weights), the word vectors and the components, as
// the kernels take them.
struct Docs {
    const std::int64_t* indptr;
    const std::int32_t* ids;
    const float* weights;
    const float* emb;
    const float* comps;
    index_t n, d, n_comps;
};

Docs docs(const i64& indptr, const i32& ids, const f32& weights, const f32& emb, const f32& comps) {
    return Docs{indptr.data(), ids.data(), weights.data(), emb.data(), comps.data(),
                indptr.shape(0) - 1, emb.shape(1), comps.shape(0)};
}

void doc_vectors(const KernelTable& k, const i64& indptr, const i32& ids, const f32& weights,
                 const f32& emb, const f32& comps, bool normalize, f32& out, f32& norms,
                 int n_threads) {
    const Docs x = docs(indptr, ids, weights, emb, comps);
    float* o = out.mutable_data();
    float* nr = norms.mutable_data();
    py::gil_scoped_release nogil;
    k.doc_vectors(x.indptr, x.ids, x.weights, x.n, x.emb, x.d, x.comps, x.n_comps, normalize, o, nr,
                  n_threads);
}

// An empty word_weights means none: every entry weighs weights[j].
void doc_scores(const KernelTable& k, const i64& indptr, const i32& ids, const f32& weights,
                const f32& word_weights, const f32& emb, const f32& comps, const f32& labels,
                f64& scores, f32& norms, int n_threads) {
    const Docs x = docs(indptr, ids, weights, emb, comps);
    const float* ww = word_weights.shape(0) ? word_weights.data() : nullptr;
    const float* lab = labels.data();
    const auto nl = labels.shape(0);
    double* sc = scores.mutable_data();
    float* nr = norms.mutable_data();
    py::gil_scoped_release nogil;
    k.doc_scores(x.indptr, x.ids, x.weights, ww, x.n, x.emb, x.d, x.comps, x.n_comps, lab, nl, sc,
                 nr, n_threads);
}

}  // namespace

void bind_docvec(py::module_& m, const KernelTable& k) {
    def_kernel(m, "doc_vectors", k, &doc_vectors, py::arg("indptr"), py::arg("ids"),
               py::arg("weights"), py::arg("emb"), py::arg("comps"), py::arg("normalize"),
               py::arg("out"), py::arg("norms"), py::arg("n_threads"));
    def_kernel(m, "doc_scores", k, &doc_scores, py::arg("indptr"), py::arg("ids"),
               py::arg("weights"), py::arg("word_weights"), py::arg("emb"), py::arg("comps"),
               py::arg("labels"), py::arg("scores"), py::arg("norms"), py::arg("n_threads"));
}

}  // namespace engine::bindings
