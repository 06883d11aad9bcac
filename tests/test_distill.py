"""engine.distill and ``engine distill``: PCA and weights against scikit-learn and plain numpy."""

import numpy as np
import pytest

import engine
from engine.cli import main

WORDS = [f"w{i}" for i in range(40)]


class TableEncoder:
    """A deterministic encoder: a fixed random vector per word plus a shared offset (anisotropy)."""

    def __init__(self, dim=12, seed=0):
        rng = np.random.default_rng(seed)
        self.table = {w: rng.normal(size=dim) + 3.0 for w in WORDS + ["the", "atheist", "orbit"]}
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        return np.array([self.table[t] for t in texts])


def test_rows_are_scikit_learn_pca_scaled_by_zipf_sif_weights():
    PCA = pytest.importorskip("sklearn.decomposition").PCA
    enc = TableEncoder()
    v = engine.distill(enc, WORDS, dim=5, frequencies="zipf", sif_coefficient=1e-2)
    X = np.array([enc.table[w] for w in WORDS])
    Z = PCA(n_components=5, svd_solver="full").fit_transform(X)  # the oracle
    p = (1 / np.arange(1, 41)) / np.sum(1 / np.arange(1, 41))
    expect = Z * (1e-2 / (1e-2 + p))[:, None]
    got = v.vectors.astype(np.float64)
    # principal axes are defined up to sign: compare column by column, sign aligned
    signs = np.sign(np.sum(got * expect, axis=0))
    np.testing.assert_allclose(got * signs, expect, rtol=1e-4, atol=1e-5)
    assert v.index_to_key == WORDS and v.meta["distill"] == {
        "dim": 5,
        "frequencies": "zipf",
        "sif_coefficient": 1e-2,
        "words": 40,
    }
    # centring removed the shared offset: the mean cosine of the raw table is high, of the result ~0
    assert np.mean(X @ X.T / np.outer(*[np.linalg.norm(X, axis=1)] * 2)) > 0.8
    assert abs(np.mean(v.unit @ v.unit.T)) < 0.2


def test_wordfreq_weights_and_every_component_kept():
    wordfreq = pytest.importorskip("wordfreq")
    v = engine.distill(TableEncoder(), ["the", "atheist", "orbit"], dim=None)
    assert v.vector_size == 3 and v.meta["distill"]["frequencies"] == "wordfreq"  # at most n words
    expect = [1e-4 / (1e-4 + wordfreq.word_frequency(w, "en")) for w in ("the", "atheist", "orbit")]
    raw_norm = np.linalg.norm(v.vectors, axis=1) / np.array(expect)
    # each row's norm is its PCA row's norm times its weight: "the" is weighed down the most
    assert v.norms[0] < v.norms[1] and np.all(raw_norm > 0)
    np.testing.assert_allclose(v.norms / raw_norm, expect, rtol=1e-3)


def test_bad_input_is_a_clear_error():
    enc = TableEncoder()
    with pytest.raises(engine.EngineError, match="vocabulary is empty"):
        engine.distill(enc, [])
    with pytest.raises(engine.EngineError, match="not one str"):
        engine.distill(enc, "w1")
    with pytest.raises(engine.EngineError, match="non-empty str, got ''"):
        engine.distill(enc, ["w1", ""])
    with pytest.raises(engine.EngineError, match="dim must be"):
        engine.distill(enc, WORDS, dim=0)

    class Short:
        def encode(self, texts):
            return np.zeros((1, 4))

    with pytest.raises(engine.ShapeError, match=r"shape \(1, 4\) for 2 words"):
        engine.distill(Short(), ["w1", "w2"])

    class Nan:
        def encode(self, texts):
            return np.full((len(texts), 4), np.nan)

    with pytest.raises(engine.EngineError, match="non-finite"):
        engine.distill(Nan(), ["w1", "w2"])


def test_cli_distils_the_bundled_model(tmp_path, capsys):
    pytest.importorskip("sentence_transformers")
    words = ["king", "queen", "prince", "apple", "pear", "banana", "car", "truck", "bus", "river"]
    rng = np.random.default_rng(0)
    engine.Vectors(words, rng.normal(size=(len(words), 4))).save(tmp_path / "vocab")
    out = tmp_path / "distilled"
    assert main(["distill", "--vectors", str(tmp_path / "vocab"), "--dim", "8", "-o", str(out)]) == 0
    assert "10 words × 8" in capsys.readouterr().out
    v = engine.load(str(out))
    assert v.index_to_key == words and v.vector_size == 8
    assert v.most_similar("apple", topn=2)[0][0] in {"pear", "banana"}
    assert v.most_similar("truck", topn=2)[0][0] in {"car", "bus"}
