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
    # prior_weight=inf: the descriptions alone, whatever the examples (zero-shot with examples
    # given); a chosen prior_weight_ (possibly inf) is a valid prior_weight to pass back.
    X, y = [t for t, _ in TRAIN], [c for _, c in TRAIN]
    alone = FewShotClassifier(v, labels=LABELS, prior_weight=np.inf).fit(X, y)
    np.testing.assert_allclose(alone.predict_proba(texts), zs.predict_proba(texts)[:, order], atol=1e-9)
    auto = FewShotClassifier(v, labels=LABELS).fit(X, y)
    again = FewShotClassifier(v, labels=LABELS, prior_weight=auto.prior_weight_).fit(X, y)
    np.testing.assert_array_equal(again.prototypes_, auto.prototypes_)


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


def _brute_loo_losses(S, L, E, y, lam, T):
    """Each example's leave-one-shot-out log-loss written plainly, example by example (the oracle)."""
    counts = np.bincount(y, minlength=len(S))
    rank = [int(np.sum(y[:i] == y[i])) for i in range(len(y))]
    out = np.zeros(len(y))
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
                out[i] = np.log(np.sum(np.exp(z - z.max()))) + z.max() - z[y[i]]
    return out


def _brute_flip_p(d):
    """One-sided sign-flip p-value by listing every sign pattern with itertools (the oracle)."""
    import itertools

    sums = [sum(s * abs(x) for s, x in zip(signs, d)) for signs in itertools.product((1, -1), repeat=len(d))]
    return sum(t <= sum(d) + 1e-9 for t in sums) / len(sums)


def test_sign_flip_p_against_enumeration_and_its_normal_limit():
    from scipy.stats import norm

    from engine.classify.fewshot import EXACT_FLIPS, sign_flip_p

    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 9, EXACT_FLIPS):
        d = rng.normal(-0.4, 1.0, n)
        assert sign_flip_p(d) == pytest.approx(_brute_flip_p(d), abs=1e-12)
    assert sign_flip_p([-1.0] * 6) == 2.0**-6  # all better: only the observed pattern is as low
    assert sign_flip_p([0.0, 0.0]) == 1.0
    d = rng.normal(-0.2, 1.0, 200)  # above EXACT_FLIPS: Φ(Σd / √Σd²)
    assert sign_flip_p(d) == pytest.approx(norm.cdf(d.sum() / np.sqrt(np.sum(d * d))), rel=1e-9)


def _brute_rule(S, L, E, y, T, alpha):
    """The documented rule on top of the oracles: ∞ unless a finite λ is significantly better."""
    from engine.classify.fewshot import PRIOR_GRID

    zero = _brute_loo_losses(S, L, E, y, np.inf, T)
    passing = {}
    for lam in PRIOR_GRID[:-1]:
        loss = _brute_loo_losses(S, L, E, y, lam, T)
        if loss.sum() < zero.sum() and _brute_flip_p(loss - zero) < alpha:
            passing[lam] = loss.sum()
    if not passing:
        return np.inf
    best = min(passing.values())
    return max(lam for lam, loss in passing.items() if loss <= best + 1e-9)


# (k, noise, alpha, the rule's answer): the test blocks a λ plain leave-one-out would take (1.0
# at k=1, 8.0 at k=3), changes which λ wins (1.0, where the smallest loss is at 2.0), or lets the
# examples alone win; at most 12 examples, so the oracle enumerates every sign pattern.
@pytest.mark.parametrize(
    ("k", "noise", "alpha", "answer"),
    [
        (1, 1.5, 0.05, np.inf),
        (1, 0.6, 0.2, 1.0),
        (3, 1.5, 0.05, np.inf),
        (3, 0.3, 0.05, 0.0),
        (3, 0.6, 0.2, 4.0),
    ],
)
def test_auto_prior_weight_is_the_documented_rule(k, noise, alpha, answer):
    from engine.classify.fewshot import loo_prior_weight

    rng = np.random.default_rng(k)
    C, d = 4, 16
    L = np.linalg.qr(rng.standard_normal((d, C)))[0].T
    y = np.repeat(np.arange(C), k)
    # examples around a direction that is half the prior, half a class-specific one: they help
    own = np.linalg.qr(rng.standard_normal((d, C)))[0].T
    E = L[y] + own[y] + noise * rng.standard_normal((len(y), d))
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    S = np.zeros((C, d))
    np.add.at(S, y, E)
    expected = _brute_rule(S, L, E, y, 0.05, alpha)
    assert loo_prior_weight(S, L, E, y, 0.05, alpha=alpha) == expected == answer


def test_auto_prior_weight_departs_only_on_clear_evidence():
    from engine.classify.fewshot import loo_prior_weight

    # Four classes whose examples lie along directions the priors miss: the examples are right.
    rng = np.random.default_rng(0)
    C, d, k = 4, 16, 3
    L = np.linalg.qr(rng.standard_normal((d, C)))[0].T
    own = np.linalg.qr(rng.standard_normal((d, C)))[0].T
    y = np.repeat(np.arange(C), k)
    E = own[y] + 0.3 * rng.standard_normal((len(y), d))
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    S = np.zeros((C, d))
    np.add.at(S, y, E)
    assert np.isfinite(loo_prior_weight(S, L, E, y, 0.05))  # 12 held out, all better: p = 2^-12
    # The same two first classes with one example each: 2 held out, p >= 1/4, stays zero-shot.
    keep = np.flatnonzero(y < 2)[::k]
    S2 = np.zeros((2, d))
    np.add.at(S2, y[keep], E[keep])
    assert np.isinf(loo_prior_weight(S2, L[:2], E[keep], y[keep], 0.05))


def test_auto_prior_weight_follows_the_examples_when_they_redefine_the_classes(v):
    # The examples are the ground truth leave-one-out scores against: when they consistently put
    # football under "food" the prior is what is wrong, and auto weighs it least — once there are
    # enough of them to tell (2 per class: 4 held out, p >= 1/16, the descriptions stay).
    labels = {"sport": "sport football", "food": "food cooking"}
    food = ["a bowl of soup", "bake the bread", "fresh salad and fruit", "boil the pasta", "roast chicken"]
    sport = [
        "the striker scored",
        "the team won the match",
        "a goal in extra time",
        "the coach and the players",
    ]
    few = FewShotClassifier(v, labels=labels).fit(food[:2] + sport[:2], ["sport"] * 2 + ["food"] * 2)
    assert few.prior_weight_ == np.inf
    swapped = FewShotClassifier(v, labels=labels).fit(food[:4] + sport[:4], ["sport"] * 4 + ["food"] * 4)
    assert swapped.prior_weight_ < 1
    assert swapped.predict(["the goalkeeper saved a penalty"]).tolist() == ["food"]
    assert (
        FewShotClassifier(v, labels=labels, prior_weight=1.0)
        .fit(food[:2] + sport[:2], ["sport"] * 2 + ["food"] * 2)
        .prior_weight_
        == 1
    )
    assert FewShotClassifier(v, labels=labels, prior_weight=2.0).fit(["soup"], ["food"]).prior_weight_ == 2.0
    with pytest.raises(engine.EngineError, match="prior_weight"):
        FewShotClassifier(v, labels=labels, prior_weight="best").fit(["soup"], ["food"])
