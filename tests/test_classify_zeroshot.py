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
    with pytest.raises(engine.EngineError, match="give a list of names or a dict"):
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
            # the WMD oracle tolerance everywhere: the solver is exact, the costs float64 as gensim's
            assert s[i, j] == pytest.approx(-kv.wmdistance(t.split(), words[c]), rel=1e-6)
    assert unknown.tolist() == [False, False, True]
    np.testing.assert_allclose(clf.predict_proba(texts)[2], 0.5)
    # gensim says inf when all costs are 0 (same words): a perfect match, not an unknown text
    one = ZeroShotClassifier(small, {"c": "car", "f": "food"}, scorer="wmd")
    scores, unknown = one.decision_function(["car car"], return_unknown=True)
    assert scores[0, 0] == 0.0 and not unknown[0]
    assert one.predict(["car car", "food"]).tolist() == ["c", "f"]


# ---- the scikit-learn estimator contract -----------------------------------------------------
LABELS = {"sport": "sport football team match", "food": ["food", "meal", "bread"], "tech": "computer"}
TEXTS = [
    "the striker scored a late goal",
    "bake the bread in the oven",
    "my computer crashed again",
    "qqqzz",
    "a team dinner after the match",
]

# Every check scikit-learn runs on a classifier of 2-D input (the list it yields for
# FewShotClassifier) is run on ZeroShotClassifier; these cannot apply, for the reason given. The
# invariants behind the numeric-data checks are tested on texts below
# (test_zero_shot_contract_on_texts). scikit-learn itself runs none of them on a zero-shot
# classifier: its tags say it takes strings, not 2-D arrays.
NUMERIC = "it fits or predicts on a generated numeric (n, d) array; a zero-shot classifier takes texts"
NOT_APPLICABLE = {
    **dict.fromkeys(
        [
            "check_fit_score_takes_y",
            "check_estimators_overwrite_params",
            "check_dont_overwrite_parameters",
            "check_estimators_fit_returns_self",
            "check_readonly_memmap_input",
            "check_positive_only_tag_during_fit",
            "check_estimators_dtypes",
            "check_complex_data",
            "check_dtype_object",
            "check_estimators_empty_data_messages",
            "check_pipeline_consistency",
            "check_estimators_nan_inf",
            "check_estimator_sparse_tag",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_classifier_data_not_an_array",
            "check_classifiers_classes",
            "check_classifiers_train",
            "check_supervised_y_2d",
            "check_decision_proba_consistency",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_fit2d_1sample",
            "check_fit2d_1feature",
            "check_dict_unchanged",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
            "check_fit2d_predict1d",
        ],
        NUMERIC,
    ),
    "check_classifiers_one_label": "the classes are the labels given up front, not the classes of y",
    "check_classifiers_regression_target": "y is ignored (the labels are given up front), so a "
    "continuous y is no error",
    "check_requires_y_none": "y is not required (tags: target_tags.required=False); a classifier "
    "whose classes are given up front fits without y",
    "check_estimators_unfitted": "predicting before fit is allowed (tags: requires_fit=False): "
    "the labels are given up front; scikit-learn does not run it on such an estimator",
    "check_array_api_input": "scikit-learn skips it unless SCIPY_ARRAY_API=1",
}


def test_sklearn_checks_pass_where_they_apply(default):
    import warnings

    from sklearn.utils.estimator_checks import estimator_checks_generator

    from engine.classify import FewShotClassifier

    clf = ZeroShotClassifier(default, LABELS)
    status = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, check in estimator_checks_generator(FewShotClassifier(), legacy=True, mark=None):
            name = check.func.__name__
            try:
                check.func(type(clf).__name__, clf, **check.keywords)
                status.setdefault(name, "passed")
            except Exception as e:  # SkipTest, AssertionError, the estimator's own errors
                status[name] = f"failed: {type(e).__name__}: {str(e)[:120]}"
    failed = {name for name, s in status.items() if s != "passed"}
    assert failed == set(NOT_APPLICABLE), {n: status[n] for n in failed ^ set(NOT_APPLICABLE)}
    passed = sorted(set(status) - failed)
    assert len(passed) >= 15, passed  # the parameter, clone, tag and repr checks among them
    assert {"check_no_attributes_set_in_init", "check_set_params", "check_estimator_cloneable"} <= set(passed)


def _ids(obj):
    return {k: id(v) for k, v in vars(obj).items()}


def test_zero_shot_contract_on_texts(default):
    import pickle

    from sklearn.base import clone

    # __init__ stores the parameters unchanged and checks nothing; fit checks them
    odd = ZeroShotClassifier(default, "not labels", weighting="tfidf", temperature=-1, chunk_size=True)
    assert odd.get_params()["temperature"] == -1 and odd.get_params()["chunk_size"] is True
    assert not [k for k in vars(odd) if k.endswith("_")]
    with pytest.raises(engine.EngineError, match="ZeroShotClassifier: weighting must be one of"):
        odd.fit()
    # predicting without fit is allowed and changes nothing: the classifier stays unfitted
    clf = ZeroShotClassifier(default, LABELS, temperature=0.1)
    before = _ids(clf)
    lazy = clf.predict_proba(TEXTS), clf.decision_function(TEXTS), clf.predict(TEXTS)
    assert _ids(clf) == before and not hasattr(clf, "classes_")
    # fit returns self, takes (and ignores) y, sets only attributes ending in "_", keeps the params
    params = clf.get_params()
    assert clf.fit(None, ["ignored"] * len(TEXTS)) is clf
    assert all(clf.get_params()[k] is v for k, v in params.items())
    assert {k for k in vars(clf) if k not in params} == {
        "embedder_",
        "classes_",
        "label_vectors_",
        "label_dropped_words_",
    }
    fitted = clf.predict_proba(TEXTS), clf.decision_function(TEXTS), clf.predict(TEXTS)
    for a, b in zip(lazy, fitted):
        np.testing.assert_array_equal(a, b)
    # prediction has no side effect; fitting again gives the same state
    before = _ids(clf)
    for method in ("predict", "predict_proba", "decision_function", "embed"):
        getattr(clf, method)(TEXTS)
    clf.explain(TEXTS[0])
    assert _ids(clf) == before
    np.testing.assert_array_equal(clf.fit().predict_proba(TEXTS), fitted[0])
    # rows are independent: any subset or order gives the same rows
    order = np.random.default_rng(0).permutation(len(TEXTS))
    np.testing.assert_array_equal(clf.predict_proba([TEXTS[i] for i in order]), fitted[0][order])
    for i, t in enumerate(TEXTS):
        np.testing.assert_array_equal(clf.decision_function([t])[0], fitted[1][i])
    # clone: same parameters, unfitted, the vectors shared; pickle: the same predictions
    twin = clone(clf)
    assert twin.get_params()["vectors"] is default and not hasattr(twin, "classes_")
    assert twin.get_params()["labels"] == LABELS and twin.get_params()["labels"] is not LABELS
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(TEXTS), fitted[0])
    assert twin.set_params(temperature=0.5) is twin and twin.temperature == 0.5
    with pytest.raises(engine.EngineError, match="unknown parameter 'nope'"):
        twin.set_params(nope=1)
    # classes_ sorted, predict gives items of it; score is accuracy (subset accuracy multi-label)
    assert (
        clf.classes_.tolist() == ["food", "sport", "tech"] and clf.predict(TEXTS).dtype == clf.classes_.dtype
    )
    assert clf.score(TEXTS[:3], ["sport", "food", "tech"]) == 1.0
    tags = ZeroShotClassifier(default, LABELS, multi_label=True, threshold=0.2).fit()
    truth = tags.predict(TEXTS)
    assert tags.score(TEXTS, truth) == 1.0
    truth[0] = ~truth[0]
    assert tags.score(TEXTS, truth) == pytest.approx(0.8)
    assert repr(clf).startswith("ZeroShotClassifier(vectors=<engine.Vectors") and "temperature=0.1" in repr(
        clf
    )


def test_label_neighbors_append_the_nearest_words_to_each_description():
    v = engine.datasets.default_vectors()
    texts = ["the striker scored twice", "a bowl of hot soup", "the dog chased the cat"]
    labels = {"sport": "sport", "food": "food meal", "animal": ["animal"]}
    clf = engine.ZeroShotClassifier(v, labels, label_neighbors=4).fit()
    # the oracle: the same classifier given the expanded descriptions by hand
    by_hand = {}
    for name, desc in labels.items():
        words = desc.split() if isinstance(desc, str) else desc
        near = [w for w, _ in v.most_similar(positive=words, topn=4)]
        by_hand[name] = " ".join(words + near) if isinstance(desc, str) else words + near
    ref = engine.ZeroShotClassifier(v, by_hand).fit()
    np.testing.assert_allclose(clf.decision_function(texts), ref.decision_function(texts), atol=1e-6)
    assert "football" in by_hand["sport"] or "sports" in by_hand["sport"]
    assert clf.predict(texts).tolist() == ["sport", "food", "animal"]
    with pytest.raises(engine.EngineError, match="label_neighbors"):
        engine.ZeroShotClassifier(v, labels, label_neighbors=-1).fit()
