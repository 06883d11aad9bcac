"""Episodic evaluation: reproducible N-way k-shot episodes, their interval and the zero-shot limit."""

import numpy as np
import pytest
from _classify_helpers import LABELS, TRAIN

import engine
from engine.classify import ZeroShotClassifier, episodes
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
    zs = ZeroShotClassifier(v, LABELS)
    full = np.mean(zs.predict(texts) == np.array(y))
    assert z.mean == pytest.approx(full) if full in (0.0, 1.0) else 0.0 <= z.mean <= 1.0
    with pytest.raises(engine.EngineError, match="n_way=4"):
        episodes(texts, y, n_way=4, k_shot=1, n_query=1, vectors=v)
    with pytest.raises(engine.EngineError, match="k_shot"):
        episodes(texts, y, n_way=2, k_shot=-1, n_query=1, vectors=v)


def test_macro_f1_counts_absent_classes_as_zero():
    y = np.array(["a", "a", "b", "b"], dtype=object)
    assert macro_f1(y, y, ["a", "b"]) == 1.0
    assert macro_f1(y, np.array(["a", "a", "a", "a"], dtype=object), ["a", "b"]) == pytest.approx((2 / 3) / 2)
    assert macro_f1(y, y, ["a", "b", "c"]) == pytest.approx(2 / 3)
