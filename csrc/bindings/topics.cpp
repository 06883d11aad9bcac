// engine._native.<path>: the LDA E-step (csrc/lda.hpp) and the distances between topic
// distributions (csrc/topic_measures.hpp); the measures bound once as the enum TopicMeasure.
#include <cstdint>

#include "bindings.hpp"

namespace engine::bindings {
namespace {

using engine::topics::Measure;
using engine::topics::Rows;

// The path's LDA E-step for the model's dtype T.
template <class T>
using LdaInfer = void (*)(const T* word_topics, index_t K, const T* alpha,
                          const std::int64_t* indptr, const std::int32_t* ids, const T* counts,
                          index_t n_docs, T* gamma, std::int32_t* rounds, int iterations,
                          double threshold, int n_threads);

template <class T>
LdaInfer<T> lda_kernel(const KernelTable& k) {
    if constexpr (sizeof(T) == sizeof(float)) {
        return k.lda_infer_f32;
    } else {
        return k.lda_infer_f64;
    }
}

// word_topics (V x K), alpha (K), counts and gamma in the model's dtype T; gamma holds the start
// on entry and the result on return.
template <class T>
void lda_infer(const KernelTable& k, const carray<T>& word_topics, const carray<T>& alpha,
               const i64& indptr, const i32& ids, const carray<T>& counts, carray<T>& gamma,
               i32& rounds, int iterations, double threshold, int n_threads) {
    const T* wt = word_topics.data();
    const T* a = alpha.data();
    const std::int64_t* ip = indptr.data();
    const std::int32_t* id = ids.data();
    const T* c = counts.data();
    T* g = gamma.mutable_data();
    std::int32_t* r = rounds.mutable_data();
    const auto K = word_topics.shape(1), n = gamma.shape(0);
    py::gil_scoped_release nogil;
    lda_kernel<T>(k)(wt, K, a, ip, id, c, n, g, r, iterations, threshold, n_threads);
}

// Prepared rows and their per-row values (an empty aux: none).
Rows rows(const f64& x, const f64& aux) {
    return Rows{x.data(), aux.shape(0) ? aux.data() : nullptr, x.shape(0)};
}

void topic_pairwise(const KernelTable& k, Measure m, const f64& a, const f64& a_aux, const f64& b, const f64& b_aux, f64& out,
                    int n_threads) {
    const Rows ra = rows(a, a_aux), rb = rows(b, b_aux);
    const auto K = a.shape(1);
    double* o = out.mutable_data();
    py::gil_scoped_release nogil;
    k.topic_pairwise(m, ra, rb, K, o, n_threads);
}

void topic_pairs(const KernelTable& k, Measure m, const f64& a, const f64& a_aux, const f64& b, const f64& b_aux, const i64& ia,
                 const i64& ib, f64& out, int n_threads) {
    const Rows ra = rows(a, a_aux), rb = rows(b, b_aux);
    const auto K = a.shape(1), n = ia.shape(0);
    const std::int64_t* pa = ia.data();
    const std::int64_t* pb = ib.data();
    double* o = out.mutable_data();
    py::gil_scoped_release nogil;
    k.topic_pairs(m, ra, rb, K, pa, pb, n, o, n_threads);
}

void topic_knn(const KernelTable& kt, Measure m, const f64& corpus, const f64& corpus_aux, const f64& queries,
               const f64& queries_aux, f64& out_d, i64& out_i, int n_threads) {
    const Rows rc = rows(corpus, corpus_aux), rq = rows(queries, queries_aux);
    const auto K = corpus.shape(1), k = out_d.shape(1);
    double* od = out_d.mutable_data();
    std::int64_t* oi = out_i.mutable_data();
    py::gil_scoped_release nogil;
    kt.topic_knn(m, rc, rq, K, k, od, oi, n_threads);
}

}  // namespace

void bind_topics_types(py::module_& m) {
    py::enum_<Measure>(m, "TopicMeasure", "The distances between topic distributions.")
        .value("hellinger", Measure::hellinger)
        .value("jensen_shannon", Measure::jensen_shannon)
        .value("symmetric_kl", Measure::symmetric_kl)
        .value("cosine", Measure::cosine);
}

void bind_topics(py::module_& m, const KernelTable& k) {
    def_kernel(m, "lda_infer_f32", k, &lda_infer<float>, py::arg("word_topics"), py::arg("alpha"),
               py::arg("indptr"), py::arg("ids"), py::arg("counts"), py::arg("gamma"),
               py::arg("rounds"), py::arg("iterations"), py::arg("threshold"), py::arg("n_threads"));
    def_kernel(m, "lda_infer_f64", k, &lda_infer<double>, py::arg("word_topics"), py::arg("alpha"),
               py::arg("indptr"), py::arg("ids"), py::arg("counts"), py::arg("gamma"),
               py::arg("rounds"), py::arg("iterations"), py::arg("threshold"), py::arg("n_threads"));
    def_kernel(m, "topic_pairwise", k, &topic_pairwise, py::arg("measure"), py::arg("a"),
               py::arg("a_aux"), py::arg("b"), py::arg("b_aux"), py::arg("out"), py::arg("n_threads"));
    def_kernel(m, "topic_pairs", k, &topic_pairs, py::arg("measure"), py::arg("a"), py::arg("a_aux"),
               py::arg("b"), py::arg("b_aux"), py::arg("ia"), py::arg("ib"), py::arg("out"),
               py::arg("n_threads"));
    def_kernel(m, "topic_knn", k, &topic_knn, py::arg("measure"), py::arg("corpus"),
               py::arg("corpus_aux"), py::arg("queries"), py::arg("queries_aux"), py::arg("out_d"),
               py::arg("out_i"), py::arg("n_threads"));
}

}  // namespace engine::bindings
