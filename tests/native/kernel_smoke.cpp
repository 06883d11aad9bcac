// Every kernel of every dispatch path compiled into this program, on small inputs with known
// answers, without Python: the check that the kernels build and run for an architecture the
// development machine is not (tests/check_wheel.py compiles it for aarch64 and runs it under
// qemu-aarch64), and on x86-64 for each path the CPU has. Prints one line per path; exit 1 on
// a wrong answer.
//
//   g++ -std=c++17 -O2 -fopenmp -Icsrc tests/native/kernel_smoke.cpp csrc/dispatch/*.cpp
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "dispatch/cpu.hpp"
#include "dispatch/table.hpp"

namespace {

int failures = 0;

void expect(bool ok, const char* path, const char* what) {
    if (!ok) {
        std::printf("FAIL  %s: %s\n", path, what);
        ++failures;
    }
}

bool near(double a, double b, double tol) { return std::fabs(a - b) <= tol * (1.0 + std::fabs(b)); }

// Whether the running CPU and OS have what `k` needs (its features and register state).
bool runs_here(const engine::dispatch::KernelTable& k) {
    const auto features = engine::cpu::features();
    auto has = [&](const std::string& name) {
        for (const auto& [f, ok] : features)
            if (f == name) return ok;
        return false;
    };
    std::string need = k.requires;
    for (std::size_t start = 0; start < need.size();) {
        std::size_t end = need.find(',', start);
        if (end == std::string::npos) end = need.size();
        if (end > start && !has(need.substr(start, end - start))) return false;
        start = end + 1;
    }
    const std::string state = k.os_state;
    if (state == "amx") return has("amx-state") && engine::cpu::request_amx() == 0;
    return state.empty() || has(state + "-state");
}

void check(const engine::dispatch::KernelTable& k) {
    using engine::index_t;
    const char* p = k.name;
    // normalize_rows: a 3-4-5 row, a zero row; 37 columns exercise the vector tails
    std::vector<float> m(2 * 37, 0.0f), unit(2 * 37), norms(2);
    m[0] = 3.0f;
    m[36] = 4.0f;
    k.normalize_rows(m.data(), unit.data(), norms.data(), 2, 37, 1);
    expect(norms[0] == 5.0f && norms[1] == 0.0f && near(unit[36], 0.8, 1e-7), p, "normalize_rows");
    // topk: rows e_i scaled by i + 1 (row 9 best), one query of ones; SIMD dots, no sgemm
    const index_t n = 10, d = 19;
    std::vector<float> X(n * d, 0.0f), q(d, 1.0f), scores(3);
    for (index_t i = 0; i < n; ++i) X[i * d + i] = float(i + 1);
    std::vector<std::int64_t> ids(3), ex_ptr = {0, 1}, ex_ids = {8};
    k.topk(X.data(), n, d, q.data(), 1, 3, 0, ex_ptr.data(), ex_ids.data(),
           engine::search::Scoring(), nullptr, scores.data(), ids.data(), 2,
           engine::search::TopKParams());
    expect(ids[0] == 9 && ids[1] == 7 && ids[2] == 6 && scores[0] == 10.0f, p, "topk");
    // emd: all of a's mass moves by 1 or 3
    const double a[2] = {0.5, 0.5}, b[1] = {1.0}, M[2] = {1.0, 3.0};
    int status = -1;
    expect(k.emd_cost(a, 2, b, 1, M, &status) == 2.0 && status == 0, p, "emd_cost");
    // pair_costs: a 3-4-5 triangle in 11 dimensions (padded to 16)
    std::vector<double> A(2 * 11, 0.0), B(11, 0.0), D(2);
    A[11 + 3] = 3.0;
    B[5] = 4.0;
    k.pair_costs(A.data(), 2, B.data(), 1, 11, D.data(), 1);
    expect(D[0] == 4.0 && near(D[1], 5.0, 1e-15), p, "pair_costs");
    // doc_vectors: 3 * e_0 + 4 * e_1 -> (0.6, 0.8), norm 5
    std::vector<float> emb = {1, 0, 0, 1}, w = {3, 4}, out(2), dn(1);
    const std::int64_t indptr[2] = {0, 2};
    const std::int32_t words[2] = {0, 1};
    k.doc_vectors(indptr, words, w.data(), 1, emb.data(), 2, nullptr, 0, true, out.data(), dn.data(),
                  1);
    expect(dn[0] == 5.0f && near(out[1], 0.8, 1e-7), p, "doc_vectors");
    // encode_ascii: "Pear pear kiwi" -> pear x2, 3 tokens
    engine::AsciiVocab vocab({"apple", "pear"});
    const char* text = "Pear pear kiwi";
    const std::int64_t len = 14;
    const auto blocks = k.encode_ascii(vocab, &text, &len, 1, true, 512, 1);
    expect(blocks.size() == 1 && blocks[0].ids == std::vector<std::int32_t>{1} &&
               blocks[0].counts[0] == 2.0f && blocks[0].n_tokens[0] == 3,
           p, "encode_ascii");
    // build_meta: one source, its rows unit-normalised; 40 columns
    std::vector<float> rows(3 * 40, 0.0f), meta(3 * 40), mn(3);
    rows[1 * 40 + 39] = 2.0f;
    const std::int64_t idx[3] = {1, -1, 0};
    engine::MetaSource s;
    s.rows = rows.data();
    s.n_rows = 3;
    s.dim = s.width = 40;
    s.idx = idx;
    k.build_meta({s}, {nullptr}, meta.data(), mn.data(), 3, 40, engine::kMetaBlock, 1);
    expect(meta[39] == 1.0f && mn[0] == 1.0f && mn[1] == 0.0f, p, "build_meta");
    // lda_infer: one word that belongs to topic 0 nine times in ten pulls the document there
    const double wt[2] = {0.9, 0.1}, alpha[2] = {0.5, 0.5}, cnt[1] = {3.0};
    const std::int64_t dptr[2] = {0, 1};
    const std::int32_t word[1] = {0};
    double gamma[2] = {1.0, 1.0};
    std::int32_t rounds = 0;
    k.lda_infer_f64(wt, 2, alpha, dptr, word, cnt, 1, gamma, &rounds, 100, 1e-6, 1);
    expect(gamma[0] > gamma[1] && near(gamma[0] + gamma[1], 4.0, 1e-9) && rounds > 0, p, "lda_infer");
    // topic distances: Hellinger of (1/2, 1/2) to itself and to (1, 0), rows given as square roots
    const double h = std::sqrt(0.5);
    const double x[4] = {h, h, 1.0, 0.0};
    double dist[2];
    const engine::topics::Rows rows_a{x, nullptr, 1}, rows_b{x, nullptr, 2};
    k.topic_pairwise(engine::topics::Measure::hellinger, rows_a, rows_b, 2, dist, 1);
    const double want = std::sqrt(0.5 * ((h - 1.0) * (h - 1.0) + h * h));
    expect(dist[0] == 0.0 && near(dist[1], want, 1e-15), p, "topic_pairwise");
}

}  // namespace

int main() {
    for (const auto* k : engine::dispatch::compiled_paths()) {
        if (!runs_here(*k)) {
            std::printf("skip  %s: this CPU lacks what it needs\n", k->name);
            continue;
        }
        const int before = failures;
        check(*k);
        if (failures == before) std::printf("ok    %s: every kernel\n", k->name);
    }
    return failures ? 1 : 0;
}
