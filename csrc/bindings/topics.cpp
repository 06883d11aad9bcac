// engine._native: the LDA E-step (csrc/lda.hpp) and the distances between topic distributions
// (csrc/topic_measures.hpp), with the measures bound as the enum TopicMeasure.
#include <cstdint>

#include "bindings.hpp"
#include "lda.hpp"
#include "topic_measures.hpp"

namespace engine::bindings {
namespace {

using engine::topics::Measure;
using engine::topics::Rows;

// word_topics (V x K), alpha (K), counts and gamma in the model's dtype T; gamma holds the start
// on entry and the result on return.
template <class T>
void lda_infer(const carray<T>& word_topics, const carray<T>& alpha, const i64& indptr, const i32& ids,
               const carray<T>& counts, carray<T>& gamma, i32& rounds, int iterations, double threshold,
               int n_threads) {
    const T* wt = word_topics.data();
    const T* a = alpha.data();
    const std::int64_t* ip = indptr.data();
    const std::int32_t* id = ids.data();
    const T* c = counts.data();
    T* g = gamma.mutable_data();
    std::int32_t* r = rounds.mutable_data();
    const auto K = word_topics.shape(1), n = gamma.shape(0);
    py::gil_scoped_release nogil;
    engine::lda::infer(wt, K, a, ip, id, c, n, g, r, iterations, threshold, n_threads);
}

// Prepared rows and their per-row values (an empty aux: none).
Rows rows(const f64& x, const f64& aux) {
    return Rows{x.data(), aux.shape(0) ? aux.data() : nullptr, x.shape(0)};
}

void topic_pairwise(Measure m, const f64& a, const f64& a_aux, const f64& b, const f64& b_aux, f64& out,
                    int n_threads) {
    const Rows ra = rows(a, a_aux), rb = rows(b, b_aux);
    const auto K = a.shape(1);
    double* o = out.mutable_data();
    py::gil_scoped_release nogil;
    engine::topics::pairwise(m, ra, rb, K, o, n_threads);
}

void topic_pairs(Measure m, const f64& a, const f64& a_aux, const f64& b, const f64& b_aux, const i64& ia,
                 const i64& ib, f64& out, int n_threads) {
    const Rows ra = rows(a, a_aux), rb = rows(b, b_aux);
    const auto K = a.shape(1), n = ia.shape(0);
    const std::int64_t* pa = ia.data();
    const std::int64_t* pb = ib.data();
    double* o = out.mutable_data();
    py::gil_scoped_release nogil;
    engine::topics::pairs(m, ra, rb, K, pa, pb, n, o, n_threads);
}

void topic_knn(Measure m, const f64& corpus, const f64& corpus_aux, const f64& queries,
               const f64& queries_aux, f64& out_d, i64& out_i, int n_threads) {
    const Rows rc = rows(corpus, corpus_aux), rq = rows(queries, queries_aux);
    const auto K = corpus.shape(1), k = out_d.shape(1);
    double* od = out_d.mutable_data();
    std::int64_t* oi = out_i.mutable_data();
    py::gil_scoped_release nogil;
    engine::topics::knn(m, rc, rq, K, k, od, oi, n_threads);
}

}  // namespace

void bind_topics(py::module_& m) {
    py::enum_<Measure>(m, "TopicMeasure", "The distances between topic distributions.")
        .value("hellinger", Measure::hellinger)
        .value("jensen_shannon", Measure::jensen_shannon)
        .value("symmetric_kl", Measure::symmetric_kl)
        .value("cosine", Measure::cosine);
    m.def("lda_infer_f32", &lda_infer<float>, py::arg("word_topics"), py::arg("alpha"),
          py::arg("indptr"), py::arg("ids"), py::arg("counts"), py::arg("gamma"), py::arg("rounds"),
          py::arg("iterations"), py::arg("threshold"), py::arg("n_threads"));
    m.def("lda_infer_f64", &lda_infer<double>, py::arg("word_topics"), py::arg("alpha"),
          py::arg("indptr"), py::arg("ids"), py::arg("counts"), py::arg("gamma"), py::arg("rounds"),
          py::arg("iterations"), py::arg("threshold"), py::arg("n_threads"));
    m.def("topic_pairwise", &topic_pairwise, py::arg("measure"), py::arg("a"), py::arg("a_aux"),
          py::arg("b"), py::arg("b_aux"), py::arg("out"), py::arg("n_threads"));
    m.def("topic_pairs", &topic_pairs, py::arg("measure"), py::arg("a"), py::arg("a_aux"), py::arg("b"),
          py::arg("b_aux"), py::arg("ia"), py::arg("ib"), py::arg("out"), py::arg("n_threads"));
    m.def("topic_knn", &topic_knn, py::arg("measure"), py::arg("corpus"), py::arg("corpus_aux"),
          py::arg("queries"), py::arg("queries_aux"), py::arg("out_d"), py::arg("out_i"),
          py::arg("n_threads"));
}

}  // namespace engine::bindings
