"""Episodic evaluation: reproducible N-way k-shot episodes, their interval and the zero-shot limit."""

import numpy as np
import pytest
from _classify_helpers import LABELS, TRAIN

import engine
from engine.classify import FewShotClassifier, ZeroShotClassifier, episodes
from engine.classify.episodic import macro_f1


@pytest.fixture(scope="module")
def v():
    return engine.datasets.default_vectors()


def test_episodes_reproducible_and_consistent(v):
    texts = [t for t, _ in TRAIN] + [
        "a great save by the keeper",
        "fried eggs with toast",
        "the app keeps crashing",
        "a home win for the club",
        "grilled fish and rice",
        "reset your password online",
    ]
    y = [c for _, c in TRAIN] + ["sport", "food", "tech", "sport", "food", "tech"]
    a = episodes(texts, y, n_way=3, k_shot=1, n_query=2, n_episodes=20, seed=3, vectors=v)
    b = episodes(texts, y, n_way=3, k_shot=1, n_query=2, n_episodes=20, seed=3, vectors=v)
    c = episodes(texts, y, n_way=3, k_shot=1, n_query=2, n_episodes=20, seed=4, vectors=v)
    np.testing.assert_array_equal(a.accuracies, b.accuracies)
    assert not np.array_equal(a.accuracies, c.accuracies)
    assert a.low <= a.mean <= a.high and a.mean == pytest.approx(a.accuracies.mean())
    assert a.high - a.mean == pytest.approx(1.96 * a.accuracies.std(ddof=1) / np.sqrt(20))
    assert set(np.round(a.accuracies * 6).astype(int)) <= set(range(7))  # 6 queries per episode
    # zero-shot: every query of the whole set, with the labels' descriptions
    z = episodes(texts, y, n_way=3, k_shot=0, n_query=4, n_episodes=5, seed=0, vectors=v, label_texts=LABELS)
    right = ZeroShotClassifier(v, LABELS).predict(texts) == np.array(y)
    # each class has exactly 4 texts: every episode scores the whole set, in some order
    assert np.array_equal(z.accuracies, np.full(5, right.mean()))
    with pytest.raises(engine.EngineError, match="n_way=4"):
        episodes(texts, y, n_way=4, k_shot=1, n_query=1, vectors=v)
    with pytest.raises(engine.EngineError, match="k_shot"):
        episodes(texts, y, n_way=2, k_shot=-1, n_query=1, vectors=v)


def _draws(y, n_way, k_shot, n_query, n_episodes, seed):
    """The episodes as ``episodes`` documents them, drawn again: (support, query) rows of each."""
    y = np.asarray(y, dtype=object)
    classes, counts = np.unique(y, return_counts=True)
    eligible = classes[counts >= k_shot + n_query]
    rng = np.random.default_rng(seed)
    for _ in range(n_episodes):
        sup, qry = [], []
        for i in rng.choice(len(eligible), size=n_way, replace=False):
            idx = rng.permutation(np.flatnonzero(y == eligible[i]))[: k_shot + n_query]
            sup += idx[:k_shot].tolist()
            qry += idx[k_shot:].tolist()
        yield sup, qry


@pytest.mark.parametrize("prior_weight", [0.0, 1.0])
def test_episode_accuracy_equals_a_classifier_fitted_on_its_support(v, prior_weight):
    """Each episode's accuracy is that of a FewShotClassifier fitted, through the public API, on
    the episode's support texts alone and scored on its query texts, which are disjoint from them."""
    texts = [t for t, _ in TRAIN] * 2 + [t.upper() + " again" for t, _ in TRAIN]
    y = [c for _, c in TRAIN] * 3
    kw = dict(n_way=2, k_shot=2, n_query=3, n_episodes=8, seed=5)
    got = episodes(texts, y, **kw, vectors=v, label_texts=LABELS, prior_weight=prior_weight)
    for e, (sup, qry) in enumerate(_draws(y, **kw)):
        assert not set(sup) & set(qry)
        way = sorted({y[i] for i in sup})
        clf = FewShotClassifier(v, labels={c: LABELS[c] for c in way}, prior_weight=prior_weight)
        clf.fit([texts[i] for i in sup], [y[i] for i in sup])
        pred = clf.predict([texts[i] for i in qry])
        assert got.accuracies[e] == pytest.approx(
            np.mean(pred == np.array([y[i] for i in qry], dtype=object))
        )


def test_macro_f1_counts_absent_classes_as_zero():
    y = np.array(["a", "a", "b", "b"], dtype=object)
    assert macro_f1(y, y, ["a", "b"]) == 1.0
    assert macro_f1(y, np.array(["a", "a", "a", "a"], dtype=object), ["a", "b"]) == pytest.approx((2 / 3) / 2)
    assert macro_f1(y, y, ["a", "b", "c"]) == pytest.approx(2 / 3)
