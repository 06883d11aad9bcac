"""Few-shot classification: prototypes, the zero-shot limit, partial_fit and scikit-learn's
estimator checks."""

import warnings

import numpy as np
import pytest
from _classify_helpers import LABELS, TRAIN

import engine
from engine.classify import FewShotClassifier, ZeroShotClassifier


@pytest.fixture(scope="module")
def v():
    return engine.datasets.default_vectors()


def _unit(x):
    x = np.asarray(x, dtype=np.float64)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(n > 0, n, 1)


def test_zero_examples_equal_zero_shot(v):
    texts = ["a goal in the last minute", "a bowl of rice", "the server is down"]
    zs = ZeroShotClassifier(v, LABELS).fit()
    fs = FewShotClassifier(v, labels=LABELS, prior_weight=1.0).fit([], [])
    assert fs.classes_.tolist() == ["food", "sport", "tech"]  # sorted, as scikit-learn
    # both classifiers order classes by one rule and predict items of classes_ (same dtype)
    assert zs.classes_.tolist() == fs.classes_.tolist() and zs.classes_.dtype == fs.classes_.dtype
    order = [list(zs.classes_).index(c) for c in fs.classes_]
    np.testing.assert_allclose(fs.predict_proba(texts), zs.predict_proba(texts)[:, order], atol=1e-9)
    assert fs.predict(texts).tolist() == zs.predict(texts).tolist()
    assert fs.predict(texts).dtype == zs.predict(texts).dtype


def test_prototypes_are_the_documented_blend(v):
    X, y = [t for t, _ in TRAIN], [c for _, c in TRAIN]
    for lam in (0.0, 1.0, 3.0):
        fs = FewShotClassifier(v, labels=LABELS, prior_weight=lam).fit(X, y)
        D = fs.embed(X).astype(np.float64)
        zs = ZeroShotClassifier(v, LABELS).fit()
        L = zs.label_vectors_.astype(np.float64)
        names = zs.classes_.tolist()  # the rows of label_vectors_
        for i, c in enumerate(fs.classes_):
            rows = D[np.array(y) == c]
            expect = _unit(lam * L[names.index(c)] + rows.sum(0))
            np.testing.assert_allclose(fs.prototypes_[i], expect, atol=1e-6)
        queries = ["a tasty pie", "the match ended in a draw"]
        Q = fs.embed(queries).astype(np.float64)
        np.testing.assert_allclose(
            fs.predict_proba(queries), _softmax(Q @ fs.prototypes_.T.astype(np.float64) / 0.05), atol=1e-6
        )
    assert fs.class_counts_.tolist() == [2, 2, 2]


def _softmax(z):
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def test_each_example_moves_the_prototype_and_partial_fit_adds_classes(v):
    fs = FewShotClassifier(v, labels=LABELS, prior_weight=1.0).fit([], [])
    before = fs.prototypes_.copy()
    fs.partial_fit(["the goalkeeper saved a penalty"], ["sport"])
    moved = np.abs(fs.prototypes_ - before).max(axis=1)
    assert moved[list(fs.classes_).index("sport")] > 1e-3
    assert moved[list(fs.classes_).index("food")] == 0
    fs.partial_fit(["a red sports car on the road", "the engine of the truck"], ["cars", "cars"])
    assert fs.classes_.tolist() == ["cars", "food", "sport", "tech"]
    assert fs.predict(["driving a fast car"]).tolist() == ["cars"]
    # partial_fit over pieces equals fit on everything
    X, y = [t for t, _ in TRAIN], [c for _, c in TRAIN]
    whole = FewShotClassifier(v, labels=LABELS).fit(X, y)
    parts = FewShotClassifier(v, labels=LABELS).partial_fit(X[:3], y[:3]).partial_fit(X[3:], y[3:])
    np.testing.assert_allclose(parts.prototypes_, whole.prototypes_, atol=1e-6)
    assert whole.score(X, y) == 1.0


def test_unknown_texts_and_errors(v):
    fs = FewShotClassifier(v, labels=LABELS).fit(["qqqzz", "the striker scored"], ["food", "sport"])
    assert fs.class_counts_.tolist() == [0, 1, 0]  # an example with no known word adds nothing
    p, unknown = fs.predict_proba(["", "xqxq", "a goal"], return_unknown=True)
    np.testing.assert_allclose(p[:2], 1 / 3)
    assert unknown.tolist() == [True, True, False] and np.isfinite(p).all()
    with pytest.raises(engine.ShapeError, match="expected 2 labels"):
        FewShotClassifier(v).fit(["a", "b"], ["x"])
    with pytest.raises(engine.EngineError, match="texts need word vectors"):
        FewShotClassifier().fit(["a goal"], ["sport"])
    with pytest.raises(engine.ShapeError, match="nothing to learn"):
        FewShotClassifier(v).fit([], [])
    with pytest.raises(engine.EngineError, match="prior_weight"):
        FewShotClassifier(v, prior_weight=-1).fit(["a"], ["b"])
    with pytest.raises(engine.ShapeError, match="384"):
        FewShotClassifier(v).fit(np.ones((2, 5)), ["a", "b"])


def test_sklearn_clone_params_and_pipeline_use(v):
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    fs = FewShotClassifier(v, labels=LABELS, prior_weight=2.0)
    c = clone(fs)
    assert c.get_params()["prior_weight"] == 2.0 and c.get_params()["vectors"] is v
    assert c.set_params(prior_weight=0.5).prior_weight == 0.5
    with pytest.raises(engine.EngineError, match="unknown parameter"):
        c.set_params(nope=1)
    X = [t for t, _ in TRAIN] * 2
    y = [c for _, c in TRAIN] * 2
    scores = cross_val_score(FewShotClassifier(v), np.array(X, dtype=object), y, cv=2)
    assert scores.shape == (2,) and (scores >= 0).all()


# Checks that cannot apply, with the reason. None: numeric X is accepted as document vectors
# (a cosine nearest-centroid classifier), so every check applies. scikit-learn itself skips
# check_array_api_input unless SCIPY_ARRAY_API=1.
EXPECTED_FAILED = {}


def test_sklearn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(FewShotClassifier(), on_fail=None, expected_failed_checks=EXPECTED_FAILED)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= {"check_array_api_input"}
    assert sum(r["status"] == "passed" for r in results) >= 50


def test_numeric_input_is_a_cosine_nearest_centroid():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([5, 0, 0], 1, (20, 3)), rng.normal([0, 5, 0], 1, (20, 3))])
    y = np.array([0] * 20 + [1] * 20)
    fs = FewShotClassifier().fit(X, y)
    cent = _unit(np.vstack([_unit(X[:20]).sum(0), _unit(X[20:]).sum(0)]))
    np.testing.assert_array_equal(fs.predict(X), np.argmax(_unit(X) @ cent.T, axis=1))
    np.testing.assert_allclose(fs.decision_function(X), (_unit(X) @ cent.T) @ [-1, 1], atol=1e-6)
    assert fs.n_features_in_ == 3 and fs.score(X, y) > 0.95


def _brute_loo_loss(S, L, E, y, lam, T):
    """Leave-one-shot-out log-loss written plainly, example by example (the oracle)."""
    counts = np.bincount(y, minlength=len(S))
    rank = [int(np.sum(y[:i] == y[i])) for i in range(len(y))]
    total = 0.0
    rounds = range(counts.max()) if counts.max() > 1 else [None]
    for r in rounds:
        held = [i for i in range(len(y)) if (counts[y[i]] > 1 and rank[i] == r)] if r is not None else None
        for group in [held] if r is not None else [[i] for i in range(len(y))]:
            P = S.copy()
            for i in group:
                P[y[i]] -= E[i]
            for c in range(len(S)):
                if np.isinf(lam):
                    P[c] = L[c] if np.any(L[c]) else P[c]
                else:
                    P[c] = lam * L[c] + P[c]
                n = np.linalg.norm(P[c])
                P[c] = P[c] / n if n > 0 else P[c]
            for i in group:
                z = P @ E[i] / T
                total += np.log(np.sum(np.exp(z - z.max()))) + z.max() - z[y[i]]
    return total


@pytest.mark.parametrize("k", [1, 3])
def test_auto_prior_weight_minimises_the_leave_one_shot_out_loss(k):
    from engine.classify.fewshot import PRIOR_GRID, loo_prior_weight

    rng = np.random.default_rng(k)
    C, d = 4, 16
    L = np.linalg.qr(rng.standard_normal((d, C)))[0].T
    y = np.repeat(np.arange(C), k)
    E = L[y] + 1.5 * rng.standard_normal((len(y), d))
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    S = np.zeros((C, d))
    np.add.at(S, y, E)
    losses = {lam: _brute_loo_loss(S, L, E, y, lam, 0.05) for lam in PRIOR_GRID}
    best = min(losses.values())
    chosen = loo_prior_weight(S, L, E, y, 0.05)
    assert losses[chosen] <= best + 1e-6
    assert chosen == max(lam for lam, loss in losses.items() if loss <= best + 1e-6)


def test_auto_prior_weight_follows_the_examples_when_they_redefine_the_classes(v):
    # The examples are the ground truth leave-one-out scores against: when they consistently put
    # football under "food" the prior is what is wrong, and auto weighs it least.
    labels = {"sport": "sport football", "food": "food cooking"}
    texts = ["a bowl of soup", "bake the bread", "the striker scored", "the team won the match"]
    swapped = FewShotClassifier(v, labels=labels).fit(texts, ["sport", "sport", "food", "food"])
    assert swapped.prior_weight_ < 1
    assert swapped.predict(["the goalkeeper saved a penalty"]).tolist() == ["food"]
    assert (
        FewShotClassifier(v, labels=labels, prior_weight=1.0)
        .fit(texts, ["sport"] * 2 + ["food"] * 2)
        .prior_weight_
        == 1
    )
    assert FewShotClassifier(v, labels=labels, prior_weight=2.0).fit(["soup"], ["food"]).prior_weight_ == 2.0
    with pytest.raises(engine.EngineError, match="prior_weight"):
        FewShotClassifier(v, labels=labels, prior_weight="best").fit(["soup"], ["food"])
