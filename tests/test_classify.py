"""Zero-shot classification: scores against a float64 numpy reference of the documented
formulas, probabilities, explanations, unknown words, the kernels and the command line."""

import json
from collections import Counter

import numpy as np
import pytest
from engine._text import encode, tokenize
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import _kernels
from engine.classify import ZeroShotClassifier, sigmoid_proba, softmax_proba

WORDS = [f"w{i}" for i in range(60)] + ["sport", "game", "team", "food", "meal", "soup", "car"]


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(7)
    return engine.Vectors(WORDS, rng.standard_normal((len(WORDS), 12)).astype(np.float32))


@pytest.fixture(scope="module")
def small_counted():
    rng = np.random.default_rng(8)
    counts = rng.integers(1, 1000, len(WORDS))
    return engine.Vectors(WORDS, rng.standard_normal((len(WORDS), 12)).astype(np.float32), counts)


@pytest.fixture(scope="module")
def default():
    return engine.datasets.default_vectors()


def _corpus(seed, n=40):
    rng = np.random.default_rng(seed)
    vocab = WORDS + ["unknownword", "zzz"]
    return [" ".join(rng.choice(vocab, rng.integers(1, 12))) for _ in range(n)]


# ---- the float64 reference: the module docstring's formulas, written independently ----------
def reference_embed(v, texts, reference, weighting, a=1e-3, n_comp=None):
    return reference_model(v, reference, weighting, a, n_comp)(texts)


def reference_model(v, reference, weighting, a=1e-3, n_comp=None):
    """The embedding function of the documented formulas, fitted on ``reference``."""
    n_comp = (1 if weighting == "sif" else 0) if n_comp is None else n_comp
    E = v.unit.astype(np.float64)
    k2i = v.key_to_index
    ref_tokens = [tokenize(t) for t in reference]
    if weighting == "mean":
        weight = lambda w: 1.0  # noqa: E731
    elif weighting == "idf":
        df = Counter(w for toks in ref_tokens for w in set(toks))
        weight = lambda w: np.log((1 + len(reference)) / (1 + df[w])) + 1  # noqa: E731
    else:
        if v.counts is not None:
            total = float(v.counts.sum())
            p = lambda w: v.counts[k2i[w]] / total  # noqa: E731
        else:
            tf = Counter(w for toks in ref_tokens for w in toks)
            total = sum(len(t) for t in ref_tokens)
            p = lambda w: tf[w] / total  # noqa: E731
        weight = lambda w: a / (a + p(w))  # noqa: E731

    def raw(tokens):
        known = [w for w in tokens if w in k2i]
        out = np.zeros(E.shape[1])
        for w in known:
            out += weight(w) * E[k2i[w]]
        return out / len(known) if known else out

    U = np.zeros((0, E.shape[1]))
    if n_comp:
        R = np.array([raw(t) for t in ref_tokens])
        R = R[np.any(R != 0, axis=1)]
        U = np.linalg.svd(R, full_matrices=False)[2][:n_comp]

    def final(tokens):
        x = raw(tokens)
        x = x - U.T @ (U @ x)
        n = np.linalg.norm(x)
        return x / n if n > 0 else x

    def embed(texts):
        return np.array([final(tokenize(t) if isinstance(t, str) else t) for t in texts]).reshape(
            len(texts), -1
        )

    return embed


@pytest.mark.parametrize("weighting", ["sif", "idf", "mean"])
@pytest.mark.parametrize("counted", [False, True])
def test_scores_equal_float64_reference(small, small_counted, weighting, counted):
    v = small_counted if counted else small
    ref = _corpus(1)
    labels = {"sport": "sport game team", "food": ["food", "meal", "soup"], "car": "car w3 w4"}
    clf = ZeroShotClassifier(v, labels, weighting=weighting, reference=ref)
    texts = _corpus(2, 25) + ["", "zzz unknownword", "Sport GAME w1, w1 w1!"]
    D = reference_embed(v, texts, ref, weighting)
    L = reference_embed(v, list(labels.values()), ref, weighting)
    got = clf.decision_function(texts)
    np.testing.assert_allclose(got, D @ L.T, atol=2e-5)
    np.testing.assert_allclose(clf.embed(texts), D, atol=2e-5)
    np.testing.assert_array_equal(clf.last_unknown_, ~np.any(D != 0, axis=1))


def test_default_reference_is_lee_and_fit_replaces_it(default):
    texts = ["the team won the match", "bake the bread in the oven", "laptop software update"]
    labels = ["sport", "food", "computer"]
    lee = engine.classify._lee_corpus()
    clf = ZeroShotClassifier(default, labels)
    ref = reference_model(default, lee, "sif")
    np.testing.assert_allclose(clf.decision_function(texts), ref(texts) @ ref(labels).T, atol=5e-5)
    assert clf.predict(texts).tolist() == labels
    own = texts * 3 + ["a quiet day at home", "the weather is nice today"]
    clf.fit(own)
    ref = reference_model(default, own, "sif")
    expect = ref(texts) @ ref(labels).T
    np.testing.assert_allclose(clf.decision_function(texts), expect, atol=5e-5)


def test_probabilities_temperature_and_multilabel(small):
    clf = ZeroShotClassifier(small, ["sport", "food", "car"], reference=_corpus(1), temperature=0.2)
    texts = _corpus(3, 20)
    s = clf.decision_function(texts).astype(np.float64)
    p = clf.predict_proba(texts)
    z = np.exp((s - s.max(1, keepdims=True)) / 0.2)
    np.testing.assert_allclose(p, z / z.sum(1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert clf.predict(texts).tolist() == [clf.classes_[i] for i in s.argmax(1)]
    sharp = ZeroShotClassifier(small, ["sport", "food", "car"], reference=_corpus(1), temperature=0.01)
    assert (sharp.predict_proba(texts).max(1) >= p.max(1) - 1e-12).all()  # lower T → more confident

    ml = ZeroShotClassifier(
        small,
        ["sport", "food", "car"],
        reference=_corpus(1),
        multi_label=True,
        threshold=0.1,
        temperature=0.2,
    )
    pm = ml.predict_proba(texts)
    np.testing.assert_allclose(pm, 1 / (1 + np.exp(-(s - 0.1) / 0.2)), rtol=1e-6)
    ind = ml.predict(texts)
    assert ind.dtype == bool and ind.shape == s.shape
    np.testing.assert_array_equal(ind, s >= 0.1)
    np.testing.assert_array_equal(ind, pm >= 0.5)
    assert not np.allclose(pm.sum(1), 1.0)  # independent, not a distribution
    # extreme scores saturate without overflow or NaN
    assert np.isfinite(sigmoid_proba(np.array([[1e6, -1e6]]), 0.0, 1e-3)).all()
    assert np.isfinite(softmax_proba(np.array([[1e6, -1e6]]), 1e-3)).all()


def test_explanations_sum_to_scores(default):
    clf = ZeroShotClassifier(
        default, {"sport": "sport football team", "food": "food pizza meal", "tech": "computer software"}
    )
    for text in ["the football team ate pizza, pizza and more pizza", "software qqqzz crash", "zzqq"]:
        ex = clf.explain(text)
        np.testing.assert_allclose(ex.contributions.sum(axis=0), ex.scores, atol=1e-12)
        np.testing.assert_allclose(ex.scores, clf.decision_function([text])[0], atol=2e-5)
        assert ex.contributions.shape == (len(ex.words), 3)
    ex = clf.explain("the football team ate pizza")
    assert ex.top("food", 1)[0][0] == "pizza" and ex.top("sport", 1)[0][0] in ("football", "team")
    assert clf.explain("software qqqzz crash").unknown_words == ["qqqzz"]
    assert clf.explain("zzqq").contributions.shape == (0, 3)


def test_empty_and_all_unknown_texts(small):
    for multi in (False, True):
        clf = ZeroShotClassifier(
            small, ["sport", "food", "car", "game"], reference=_corpus(1), multi_label=multi
        )
        texts = ["", "   ", "unknownword zzz", [], "sport"]
        p = clf.predict_proba(texts)
        assert np.isfinite(p).all()
        np.testing.assert_allclose(p[:4], 0.25)
        np.testing.assert_array_equal(clf.last_unknown_, [True, True, True, True, False])
        np.testing.assert_array_equal(clf.decision_function(texts)[:4], 0.0)
        pred = clf.predict(texts)
        if multi:
            assert not pred[:4].any()
    assert ZeroShotClassifier(small, ["sport"], reference=_corpus(1)).predict_proba([]).shape == (0, 1)


def test_label_words_unknown(small):
    clf = ZeroShotClassifier(
        small, {"sport": "sport and unknownword game", "food": "food"}, reference=_corpus(1)
    )
    assert clf.label_dropped_words_ == {"sport": ["and", "unknownword"], "food": []}
    with pytest.raises(engine.VocabularyError, match="label 'x'.*'nothere'"):
        ZeroShotClassifier(small, {"x": ["sport", "nothere"], "food": "food"}, reference=_corpus(1))
    with pytest.raises(engine.VocabularyError, match="label 'cooking'"):
        ZeroShotClassifier(small, ["sport", "cooking"], reference=_corpus(1))
    with pytest.raises(engine.EngineError, match="duplicate"):
        ZeroShotClassifier(small, ["sport", "sport"], reference=_corpus(1))
    with pytest.raises(engine.EngineError):
        ZeroShotClassifier(small, "sport", reference=_corpus(1))
    with pytest.raises(engine.ShapeError, match="item 1 is a bytes"):
        ZeroShotClassifier(small, ["sport", "food"], reference=_corpus(1)).predict(["a", b"sport"])
    with pytest.raises(engine.ShapeError, match="item 2 is a NoneType"):
        ZeroShotClassifier(small, ["sport", "food"], reference=_corpus(1)).predict(["a", "b", None])
    with pytest.raises(engine.ShapeError, match="reference corpus|item 0"):
        ZeroShotClassifier(small, ["sport", "food"], reference=[3.5])
    with pytest.raises(engine.ShapeError, match="single str"):
        ZeroShotClassifier(small, ["sport", "food"], reference=_corpus(1)).predict("sport game")
    with pytest.raises(engine.EngineError, match="temperature"):
        ZeroShotClassifier(small, ["sport", "food"], temperature=0)
    with pytest.raises(engine.EngineError, match="weighting"):
        ZeroShotClassifier(small, ["sport", "food"], weighting="tfidf")


def test_chunked_and_streaming_equal_one_batch(small):
    texts = _corpus(4, 50)
    one = ZeroShotClassifier(small, ["sport", "food", "car"], reference=_corpus(1))
    chunked = ZeroShotClassifier(small, ["sport", "food", "car"], reference=_corpus(1), chunk_size=7)
    np.testing.assert_array_equal(one.decision_function(texts), chunked.decision_function(texts))
    parts = list(chunked.iter_predict_proba(iter(texts), chunk_size=16))
    assert [p.shape[0] for p, _ in parts] == [16, 16, 16, 2]
    np.testing.assert_allclose(np.vstack([p for p, _ in parts]), one.predict_proba(texts), atol=1e-12)


def test_encoder_hook(small):
    class HashEncoder:  # a stand-in for a contextual encoder: deterministic vectors per text
        def encode(self, texts):
            out = np.zeros((len(texts), 8), dtype=np.float32)
            for i, t in enumerate(texts):
                for w in t.split():
                    out[i] += np.random.default_rng(sum(map(ord, w))).standard_normal(8)
            return out

    enc = HashEncoder()
    clf = ZeroShotClassifier(small, {"a": "red apple", "b": ["blue", "sky"]}, encoder=enc)
    texts = ["red apple pie", "blue sky today", ""]
    X, L = enc.encode(texts).astype(np.float64), enc.encode(["red apple", "blue sky"]).astype(np.float64)
    Xn = X / np.where(np.linalg.norm(X, axis=1) > 0, np.linalg.norm(X, axis=1), 1)[:, None]
    Ln = L / np.linalg.norm(L, axis=1)[:, None]
    np.testing.assert_allclose(clf.decision_function(texts), Xn @ Ln.T, atol=1e-6)
    assert clf.last_unknown_.tolist() == [False, False, True]
    assert clf.predict(texts[:2]).tolist() == ["a", "b"]
    with pytest.raises(engine.EngineError, match="explain"):
        clf.explain("red apple")


def test_wmd_scorer(small):
    pytest.importorskip("engine.wmd")
    from gensim.models import KeyedVectors

    clf = ZeroShotClassifier(small, {"s": "sport game", "f": "food meal soup"}, scorer="wmd")
    kv = KeyedVectors(small.vector_size)
    kv.add_vectors(small.index_to_key, small.vectors)
    texts = ["sport team game", "soup w1 w2", "zzz"]
    s = clf.decision_function(texts)
    for i, t in enumerate(texts[:2]):
        for j, lab in enumerate([["sport", "game"], ["food", "meal", "soup"]]):
            assert s[i, j] == pytest.approx(-kv.wmdistance(t.split(), lab), abs=1e-4)
    assert clf.last_unknown_.tolist() == [False, False, True]
    np.testing.assert_allclose(clf.predict_proba(texts)[2], 0.5)
    # gensim says inf when all costs are 0 (same words): a perfect match, not an unknown text
    one = ZeroShotClassifier(small, {"c": "car", "f": "food"}, scorer="wmd")
    assert one.decision_function(["car car"])[0, 0] == 0.0 and not one.last_unknown_[0]
    assert one.predict(["car car", "food"]).tolist() == ["c", "f"]


# ---- kernels ---------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 12), st.integers(1, 9), st.integers(0, 2), st.booleans(), st.integers(0, 2**31))
def test_doc_vectors_kernel_matches_numpy(n_docs, d, n_comp, normalize, seed):
    rng = np.random.default_rng(seed)
    emb = rng.standard_normal((30, d)).astype(np.float32)
    lengths = rng.integers(0, 6, n_docs)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    ids = rng.integers(0, 30, indptr[-1])
    w = rng.random(indptr[-1]).astype(np.float32)
    # fewer components than dimensions: removing all of them leaves only rounding noise
    comps = np.linalg.qr(rng.standard_normal((d, d)))[0][:, : min(n_comp, d - 1)].T
    out, norms = _kernels.doc_vectors(indptr, ids, w, emb, comps, normalize)
    ref = np.zeros((n_docs, d))
    for i in range(n_docs):
        for j in range(indptr[i], indptr[i + 1]):
            ref[i] += float(w[j]) * emb[ids[j]].astype(np.float64)
    ref -= (ref @ comps.T) @ comps
    rn = np.linalg.norm(ref, axis=1)
    np.testing.assert_allclose(norms, rn, rtol=1e-4, atol=1e-5)
    if normalize:
        ref = ref / np.where(rn > 0, rn, 1)[:, None]
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_doc_vectors_validation():
    emb = np.ones((3, 2), np.float32)
    with pytest.raises(engine.ShapeError, match=r"word ids must lie in \[0, 3\)"):
        _kernels.doc_vectors([0, 1], [3], [1.0], emb)
    with pytest.raises(engine.ShapeError, match="indptr"):
        _kernels.doc_vectors([0, 2], [1], [1.0], emb)
    with pytest.raises(engine.ShapeError, match="NaN"):
        _kernels.doc_vectors([0, 1], [1], [np.nan], emb)
    with pytest.raises(engine.ShapeError, match="components"):
        _kernels.doc_vectors([0, 1], [1], [1.0], emb, np.ones((1, 3), np.float32))
    lab = np.array([[1.0, 0.0]], np.float32)
    with pytest.raises(engine.ShapeError, match="word_weights must be 3"):
        _kernels.doc_scores([0, 1], [1], [1.0], emb, lab, word_weights=[1.0, 2.0])
    with pytest.raises(engine.ShapeError, match="label vectors have 3 columns"):
        _kernels.doc_scores([0, 1], [1], [1.0], emb, np.ones((1, 3), np.float32))
    # word_weights multiply the entry weights; the scale of a row never changes its cosine
    rng = np.random.default_rng(0)
    E = rng.standard_normal((5, 4)).astype(np.float32)
    L = _kernels.normalize_rows(rng.standard_normal((3, 4)).astype(np.float32))[0]
    ww = rng.random(5).astype(np.float32)
    ip, ids, c = [0, 3, 3, 5], [0, 2, 4, 1, 2], np.array([1, 2, 1, 3, 1], np.float32)
    got, norms = _kernels.doc_scores(ip, ids, c, E, L, word_weights=ww)
    D, _ = _kernels.doc_vectors(ip, ids, c * ww[ids], E)
    np.testing.assert_allclose(got, D @ L.T, atol=1e-6)
    assert norms[1] == 0 and (got[1] == 0).all()


_pieces = st.sampled_from(list("abcAB  '_-9.,é\u0130ß\n") + ["sport ", "game ", "Team", "don't "])
_texts = st.lists(_pieces, max_size=25).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(_texts, max_size=8), st.booleans())
def test_native_encoder_equals_cython_encode(texts, lowercase):
    keys = ["sport", "game", "team", "Team", "a", "b", "ab", "don't", "a_b", "9", "é", "ab9"]
    k2i = {k: i for i, k in enumerate(keys)}
    vocab = _kernels.ascii_vocab(keys)
    got = _kernels.encode_texts(texts, k2i, lowercase, vocab)
    want = encode(texts, k2i, lowercase)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


def test_native_encoder_on_real_vocabulary(default):
    texts = list(open(engine.datasets.gensim_test_file("lee_background.cor"), encoding="utf-8"))
    texts += [["token", "lists", "pass", "through"], "Ünïcödé text and café", ""]
    vocab = _kernels.ascii_vocab(default.index_to_key)
    for g, w in zip(
        _kernels.encode_texts(texts, default.key_to_index, True, vocab),
        encode(texts, default.key_to_index, True),
    ):
        np.testing.assert_array_equal(g, w)


# ---- command line ----------------------------------------------------------------------------
def test_cli_classify(tmp_path, capsys, default):
    from engine.cli import main

    texts = tmp_path / "t.txt"
    texts.write_text("the team won the match\nbake the bread in the oven\n\nqqqzz\n", encoding="utf-8")
    labels = tmp_path / "l.json"
    labels.write_text(json.dumps({"sport": "sport football team", "food": ["food", "bread"]}))
    assert main(["classify", str(texts), "--labels", str(labels)]) == 0
    rows = [r.split("\t") for r in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["label", "unknown", "sport", "food"]
    assert [r[0] for r in rows[1:]] == ["sport", "food", "", ""]
    assert [r[1] for r in rows[1:]] == ["0", "0", "1", "1"]
    assert float(rows[3][2]) == 0.5
    clf = ZeroShotClassifier(default, {"sport": "sport football team", "food": ["food", "bread"]})
    np.testing.assert_allclose(
        [[float(x) for x in r[2:]] for r in rows[1:3]],
        clf.predict_proba(["the team won the match", "bake the bread in the oven"]),
        atol=1e-6,
    )

    jl = tmp_path / "t.jsonl"
    jl.write_text('{"id": 1, "body": "a football team"}\n{"id": 2, "body": "fresh bread"}\n')
    out = tmp_path / "o.jsonl"
    assert (
        main(
            [
                "classify",
                str(jl),
                "--labels",
                str(labels),
                "--field",
                "body",
                "--to",
                "jsonl",
                "--multi-label",
                "--threshold",
                "0.2",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert recs[0]["label"] == ["sport"] and recs[1]["label"] == ["food"]
    assert set(recs[0]["probabilities"]) == {"sport", "food"}

    jl.write_text('{"id": 1, "body": "a football team"}\n{"id": 2}\n')
    assert main(["classify", str(jl), "--labels", str(labels), "--field", "body"]) == 2
    assert "line 2: no field 'body'" in capsys.readouterr().err
    labels.write_text('{"sport": 3}')
    assert main(["classify", str(texts), "--labels", str(labels)]) == 2
    assert "expected a JSON object" in capsys.readouterr().err
    labels.write_text('{"sport": "qqqzz"}')
    assert main(["classify", str(texts), "--labels", str(labels)]) == 2
    assert "label 'sport'" in capsys.readouterr().err
