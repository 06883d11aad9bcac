"""Zero-shot classification: probabilities, explanations, unknown words, label errors, chunking,
the encoder and WMD scorers, and the scikit-learn estimator contract."""

import numpy as np
import pytest
from _classify_helpers import corpus
from _classify_helpers import small_vectors as _small_vectors

import engine
from engine.classify import ZeroShotClassifier, sigmoid_proba, softmax_proba


@pytest.fixture(scope="module")
def small():
    return _small_vectors()


@pytest.fixture(scope="module")
def default():
    return engine.datasets.default_vectors()


def test_probabilities_temperature_and_multilabel(small):
    clf = ZeroShotClassifier(small, ["sport", "food", "car"], reference=corpus(1), temperature=0.2).fit()
    texts = corpus(3, 20)
    s = clf.decision_function(texts).astype(np.float64)
    p = clf.predict_proba(texts)
    z = np.exp((s - s.max(1, keepdims=True)) / 0.2)
    np.testing.assert_allclose(p, z / z.sum(1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert clf.predict(texts).tolist() == [clf.classes_[i] for i in s.argmax(1)]
    sharp = ZeroShotClassifier(small, ["sport", "food", "car"], reference=corpus(1), temperature=0.01)
    assert (sharp.predict_proba(texts).max(1) >= p.max(1) - 1e-12).all()  # lower T → more confident

    ml = ZeroShotClassifier(
        small,
        ["sport", "food", "car"],
        reference=corpus(1),
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
            small, ["sport", "food", "car", "game"], reference=corpus(1), multi_label=multi
        )
        texts = ["", "   ", "unknownword zzz", [], "sport"]
        p, unknown = clf.predict_proba(texts, return_unknown=True)
        assert np.isfinite(p).all()
        np.testing.assert_allclose(p[:4], 0.25)
        np.testing.assert_array_equal(unknown, [True, True, True, True, False])
        scores, unknown = clf.decision_function(texts, return_unknown=True)
        np.testing.assert_array_equal(scores[:4], 0.0)
        np.testing.assert_array_equal(unknown, [True, True, True, True, False])
        pred = clf.predict(texts)
        if multi:
            assert not pred[:4].any()
    assert ZeroShotClassifier(small, ["sport"], reference=corpus(1)).predict_proba([]).shape == (0, 1)


def test_label_words_unknown(small):
    clf = ZeroShotClassifier(
        small, {"sport": "sport and unknownword game", "food": "food"}, reference=corpus(1)
    ).fit()
    assert clf.label_dropped_words_ == {"sport": ["and", "unknownword"], "food": []}
    # parameters are checked when the classifier is fitted (or predicts), not constructed
    with pytest.raises(engine.VocabularyError, match="label 'x'.*'nothere'"):
        ZeroShotClassifier(small, {"x": ["sport", "nothere"], "food": "food"}, reference=corpus(1)).fit()
    with pytest.raises(engine.VocabularyError, match="label 'cooking'"):
        ZeroShotClassifier(small, ["sport", "cooking"], reference=corpus(1)).fit()
    with pytest.raises(engine.EngineError, match="duplicate"):
        ZeroShotClassifier(small, ["sport", "sport"], reference=corpus(1)).fit()
    with pytest.raises(engine.EngineError):
        ZeroShotClassifier(small, "sport", reference=corpus(1)).fit()
    with pytest.raises(engine.ShapeError, match="item 1 is a bytes"):
        ZeroShotClassifier(small, ["sport", "food"], reference=corpus(1)).predict(["a", b"sport"])
    with pytest.raises(engine.ShapeError, match="item 2 is a NoneType"):
        ZeroShotClassifier(small, ["sport", "food"], reference=corpus(1)).predict(["a", "b", None])
    with pytest.raises(engine.ShapeError, match="reference corpus|item 0"):
        ZeroShotClassifier(small, ["sport", "food"], reference=[3.5]).fit()
    with pytest.raises(engine.ShapeError, match="single str"):
        ZeroShotClassifier(small, ["sport", "food"], reference=corpus(1)).predict("sport game")
    with pytest.raises(engine.EngineError, match="temperature"):
        ZeroShotClassifier(small, ["sport", "food"], temperature=0).fit()
    with pytest.raises(engine.EngineError, match="temperature"):
        ZeroShotClassifier(small, ["sport", "food"], temperature=0).predict(["sport"])
    with pytest.raises(engine.EngineError, match="weighting"):
        ZeroShotClassifier(small, ["sport", "food"], weighting="tfidf").fit()


def test_chunked_and_streaming_equal_one_batch(small):
    texts = corpus(4, 50)
    one = ZeroShotClassifier(small, ["sport", "food", "car"], reference=corpus(1))
    chunked = ZeroShotClassifier(small, ["sport", "food", "car"], reference=corpus(1), chunk_size=7)
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
    scores, unknown = clf.decision_function(texts, return_unknown=True)
    np.testing.assert_allclose(scores, Xn @ Ln.T, atol=1e-6)
    assert unknown.tolist() == [False, False, True]
    assert clf.predict(texts[:2]).tolist() == ["a", "b"]
    with pytest.raises(engine.EngineError, match="explain"):
        clf.explain("red apple")


def test_wmd_scorer(small):
    pytest.importorskip("engine.wmd")
    from gensim.models import KeyedVectors

    clf = ZeroShotClassifier(small, {"s": "sport game", "f": "food meal soup"}, scorer="wmd").fit()
    words = {"s": ["sport", "game"], "f": ["food", "meal", "soup"]}
    kv = KeyedVectors(small.vector_size)
    kv.add_vectors(small.index_to_key, small.vectors)
    texts = ["sport team game", "soup w1 w2", "zzz"]
    s, unknown = clf.decision_function(texts, return_unknown=True)
    for i, t in enumerate(texts[:2]):
        for j, c in enumerate(clf.classes_.tolist()):
            assert s[i, j] == pytest.approx(-kv.wmdistance(t.split(), words[c]), abs=1e-4)
    assert unknown.tolist() == [False, False, True]
    np.testing.assert_allclose(clf.predict_proba(texts)[2], 0.5)
    # gensim says inf when all costs are 0 (same words): a perfect match, not an unknown text
    one = ZeroShotClassifier(small, {"c": "car", "f": "food"}, scorer="wmd")
    scores, unknown = one.decision_function(["car car"], return_unknown=True)
    assert scores[0, 0] == 0.0 and not unknown[0]
    assert one.predict(["car car", "food"]).tolist() == ["c", "f"]
