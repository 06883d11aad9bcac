"""WMD against gensim's wmdistance / WmdSimilarity, edge cases, the API, the CLI and bad input."""

import math

import numpy as np
import pytest

import engine
from engine import datasets
from engine.errors import EngineError, ShapeError

pytest.importorskip("ot")  # gensim's wmdistance needs POT


@pytest.fixture(scope="module")
def lee():
    kv = datasets.word2vec_keyedvectors()
    return kv, engine.Vectors.from_gensim(kv)


@pytest.fixture(scope="module")
def default():
    from gensim.models import KeyedVectors

    v = datasets.default_vectors()
    kv = KeyedVectors(v.vector_size, count=len(v))
    kv.add_vectors(v.index_to_key, v.vectors)
    return kv, v


@pytest.fixture(scope="module")
def sentences():
    return datasets.lee_sentences()


def _random_docs(sentences, rng, n, lo=1, hi=60, oov=True):
    docs = []
    for _ in range(n):
        s = sentences[rng.integers(len(sentences))]
        start = rng.integers(max(1, len(s) - lo + 1))
        doc = list(s[start : start + rng.integers(lo, hi + 1)])
        if oov and rng.random() < 0.3:
            doc.insert(rng.integers(len(doc) + 1), "qqxyzzy")  # out of every vocabulary
        docs.append(doc)
    return docs


def _rel(a, b):
    if math.isinf(a) or math.isinf(b):
        return 0.0 if a == b else math.inf
    return abs(a - b) / max(abs(b), 1e-12)


@pytest.mark.parametrize("source", ["lee", "default"])
@pytest.mark.parametrize("norm", [True, False])
def test_parity_with_gensim_on_random_documents(source, norm, request, sentences):
    kv, v = request.getfixturevalue(source)
    rng = np.random.default_rng(7 + norm)
    docs = _random_docs(sentences, rng, 80)
    worst = 0.0
    for d1, d2 in zip(docs[::2], docs[1::2]):
        worst = max(worst, _rel(v.wmdistance(d1, d2, norm=norm), kv.wmdistance(d1, d2, norm=norm)))
    assert worst <= 1e-6


def test_pairwise_matches_gensim_and_distance(lee, sentences):
    kv, v = lee
    rng = np.random.default_rng(3)
    a, b = _random_docs(sentences, rng, 12), _random_docs(sentences, rng, 9)
    wmd = engine.WMD(v)
    M = wmd.pairwise(a, b)
    assert M.shape == (12, 9)
    for i in range(12):
        for j in range(9):
            assert _rel(M[i, j], kv.wmdistance(a[i], b[j])) <= 1e-6
            # one pair solves on float32 costs and prices its plan in float64: the same plan
            assert _rel(M[i, j], wmd.distance(a[i], b[j])) <= 1e-9
    S = wmd.pairwise(a)
    assert np.array_equal(S, S.T) and np.all(np.diag(S) == 0)
    assert np.allclose(S[:3, :3], wmd.pairwise(a[:3], a[:3]), rtol=1e-12, atol=0)


def test_edge_cases_as_gensim(lee):
    kv, v = lee
    w = "government"
    cases = [
        (["the", "government", "said"], ["the", "government", "said"]),  # identical: 0
        (["the", "said", "the"], ["said", "the", "the"]),  # same bag: 0
        ([w], [w]),  # one shared word: 0
        ([w, w, w], [w]),  # repeated single word
        ([w], ["police"]),  # single words
        ([], ["police"]),
        (["police"], []),
        ([], []),  # empty: inf
        (["qqxyzzy", "zzqqy"], ["police"]),  # all OOV: inf
        (["police", "qqxyzzy"], ["police", "police", "fire"]),  # OOV dropped
        (["fire", "fire", "fire", "police"], ["police", "fire"]),  # repeated words
    ]
    for d1, d2 in cases:
        g, e = kv.wmdistance(d1, d2), v.wmdistance(d1, d2)
        assert _rel(e, g) <= 1e-6, (d1, d2, e, g)
    assert v.wmdistance(["the", "government"], ["government", "the"]) == 0.0
    assert v.wmdistance([], ["police"]) == math.inf


def test_identical_vectors_give_inf_as_gensim():
    # gensim returns inf when every word-to-word cost is zero (two words with one vector).
    from gensim.models import KeyedVectors

    vecs = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]], dtype=np.float32)
    kv = KeyedVectors(2, count=3)
    kv.add_vectors(["a", "b", "c"], vecs)
    v = engine.Vectors(["a", "b", "c"], vecs)
    assert kv.wmdistance(["a"], ["b"]) == v.wmdistance(["a"], ["b"]) == math.inf
    assert v.wmdistance(["a"], ["a"]) == 0.0
    assert _rel(v.wmdistance(["a", "c"], ["b"]), kv.wmdistance(["a", "c"], ["b"])) <= 1e-12


def test_long_documents(lee, sentences):
    kv, v = lee
    rng = np.random.default_rng(11)
    words = [t for s in sentences[:200] for t in s]
    d1 = [words[i] for i in rng.integers(len(words), size=1200)]
    d2 = [words[i] for i in rng.integers(len(words), size=1000)]
    assert _rel(v.wmdistance(d1, d2), kv.wmdistance(d1, d2)) <= 1e-6


def test_strings_are_tokenized(default):
    _, v = default
    wmd = engine.WMD(v)
    assert wmd.distance("The President spoke.", ["the", "president", "spoke"]) == 0.0
    assert wmd.distance("The cat sat", "a dog ran") == v.wmdistance("the cat sat", "a dog ran")


def test_wmdsimilarity_scores(lee, sentences):
    from gensim.similarities import WmdSimilarity

    kv, v = lee
    rng = np.random.default_rng(5)
    corpus = _random_docs(sentences, rng, 25, lo=3, hi=25)
    corpus.append(["qqxyzzy"])  # infinite distance, similarity 0
    query = corpus[4][:5] + ["police"]
    ours = engine.WMD(v).index(corpus)
    ref = WmdSimilarity(corpus, kv)[query]
    np.testing.assert_allclose(ours[query], ref, rtol=1e-6, atol=0)
    two = ours[[query, corpus[1]]]
    assert two.shape == (2, len(corpus)) and np.array_equal(two[0], ours[query])
    best = ours.most_similar(query, topn=5)
    order = sorted(range(len(corpus)), key=lambda i: (-ref[i], i))[:5]
    assert [i for i, _ in best] == order
    np.testing.assert_allclose([s for _, s in best], ref[order], rtol=1e-6)
    top = engine.WMD(v).index(corpus, num_best=3)[query]
    assert top == best[:3]
    assert ours.most_similar(["qqxyzzy"], topn=3) == []  # every distance inf


def test_fasttext_ngrams_keep_oov_words_as_gensim():
    pytest.importorskip("engine.ngrams")
    from gensim.models import FastText
    from gensim.test.utils import common_texts

    ft = FastText(common_texts, vector_size=16, min_count=1, seed=1, workers=1, epochs=5)
    v = engine.Vectors.from_gensim(ft)
    d1, d2 = ["human", "computerz", "intervew"], ["graph", "minorz", "trees"]
    assert _rel(v.wmdistance(d1, d2), ft.wv.wmdistance(d1, d2)) <= 1e-5


def test_ngram_words_get_built_vectors():
    class FakeNgrams:  # what Vectors needs from an n-gram table
        vector_size = 2

        def word_vector(self, word, norm=False):
            vec = np.array([len(word), 1.0], dtype=np.float32)
            return vec / np.linalg.norm(vec) if norm else vec

    v = engine.Vectors(["ab", "c"], np.array([[2.0, 1.0], [0.0, 1.0]]), ngrams=FakeNgrams())
    wmd = engine.WMD(v)
    # "xy" is unknown but built as [2, 1], the direction of "ab": every cost is 0, so inf (gensim)
    assert math.isinf(wmd.distance(["xy"], ["ab", "ab"]))
    d = wmd.distance(["xyz", "c"], ["ab"])
    u = np.array([3.0, 1.0]) / np.sqrt(10)
    a = np.array([2.0, 1.0]) / np.sqrt(5)
    assert d == pytest.approx(0.5 * np.linalg.norm(u - a) + 0.5 * np.linalg.norm([0, 1] - a), rel=1e-6)
    assert wmd.pairwise([["xyz", "c"]], [["ab"]])[0, 0] == pytest.approx(d, rel=1e-12)


def test_sinkhorn_mode_close_to_exact(lee, sentences):
    _, v = lee
    wmd = engine.WMD(v)
    rng = np.random.default_rng(2)
    docs = _random_docs(sentences, rng, 12, lo=3, oov=False)
    exact = wmd.pairwise(docs[:6], docs[6:])
    for reg in (0.01, 0.05):
        approx = wmd.pairwise(docs[:6], docs[6:], method="sinkhorn", reg=reg)
        # documented: exact <= sinkhorn <= exact + reg * log(min(m, n)) (plus convergence slack)
        assert np.all(approx >= exact - 1e-7)
        assert np.all(approx - exact <= reg * np.log(60) + 1e-7)
    assert wmd.distance(docs[0], docs[1], method="sinkhorn", reg=0.01) == pytest.approx(
        wmd.pairwise([docs[0]], [docs[1]], method="sinkhorn", reg=0.01)[0, 0], rel=1e-12
    )


def test_bad_input_errors(lee):
    _, v = lee
    wmd = engine.WMD(v)
    with pytest.raises(ShapeError, match="token 1"):
        wmd.distance(["police", 3], ["fire"])
    with pytest.raises(ShapeError, match="doc2"):
        wmd.distance(["police"], None)
    with pytest.raises(ShapeError, match="single string"):
        wmd.pairwise("police fire", ["fire"])
    with pytest.raises(EngineError, match="method"):
        wmd.distance(["police"], ["fire"], method="greedy")
    with pytest.raises(EngineError, match="reg"):
        wmd.distance(["police"], ["fire"], method="sinkhorn", reg=0)
    with pytest.raises(EngineError, match="k must be"):
        wmd.knn([["police"]], [["fire"]], k=0)
    with pytest.raises(EngineError, match="k must be"):
        wmd.knn([["police"]], [["fire"]], k=True)
    with pytest.raises(EngineError, match="Vectors"):
        engine.WMD(np.zeros((3, 2)))
    with pytest.raises(EngineError, match="same total mass"):
        engine.wmd.emd([0.5, 0.5], [0.9], [[1.0], [2.0]])
    with pytest.raises(ShapeError, match="non-negative"):
        engine.wmd.emd([1.5, -0.5], [1.0], [[1.0], [2.0]])
    with pytest.raises(ShapeError, match="M: expected shape"):
        engine.wmd.emd([1.0], [1.0], [[1.0, 2.0]])
    with pytest.raises(ShapeError, match="NaN"):
        engine.wmd.emd([1.0], [1.0], [[np.nan]])


def test_cli_pairs_and_knn(tmp_path, capsys):
    from engine.cli import main

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "the cat sat on the mat\ta dog lay on the rug\nsame words\tsame words\n", encoding="utf-8"
    )
    assert main(["wmd", "pairs", str(pairs)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2
    v = datasets.default_vectors()
    first = float(out[0].split("\t")[0])
    assert first == pytest.approx(v.wmdistance("the cat sat on the mat", "a dog lay on the rug"), rel=1e-9)
    assert float(out[1].split("\t")[0]) == 0.0

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(
        "the stock market fell\nthe team won the match\nprices of shares dropped\n", encoding="utf-8"
    )
    queries = tmp_path / "q.txt"
    queries.write_text("shares fell sharply\n", encoding="utf-8")
    assert main(["wmd", "knn", str(queries), str(corpus), "-k", "2"]) == 0
    out = capsys.readouterr().out
    docs = corpus.read_text(encoding="utf-8").splitlines()
    want = sorted(range(3), key=lambda j: (v.wmdistance("shares fell sharply", docs[j]), j))[:2]
    rows = [line.split("\t") for line in out.splitlines() if line.startswith("  ") and "\t" in line]
    assert [(int(r[0]), int(r[1]), r[3]) for r in rows] == [
        (1, want[0], docs[want[0]]),
        (2, want[1], docs[want[1]]),
    ]
    for r, j in zip(rows, want):
        assert float(r[2]) == pytest.approx(v.wmdistance("shares fell sharply", docs[j]), abs=1e-6)
    assert "exact solves" in out

    bad = tmp_path / "bad.tsv"
    bad.write_text("only one column\n", encoding="utf-8")
    assert main(["wmd", "pairs", str(bad)]) == 2
    assert "line 1" in capsys.readouterr().err
    assert main(["wmd", "pairs", str(tmp_path / "missing.tsv")]) == 2
