"""engine.DocumentVectors: the SIF / idf / mean embedder as a scikit-learn transformer.

Its vectors equal a float64 numpy computation of the formulas from the fitted weights and
component; its scikit-learn contract is checked with scikit-learn's own estimator checks where
they apply (texts, not numeric arrays, are its input), and in a Pipeline."""

import numpy as np
import pytest
from engine._text import tokenize

import engine

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils import estimator_checks as ec  # noqa: E402

TEXTS = [
    "the team won the match in the final minute",
    "a bowl of hot soup with fresh bread",
    "the stock market fell as investors sold shares",
    "the cat sat on the mat",
    "zzqx qqzv",
]


@pytest.fixture(scope="module")
def vectors():
    return engine.datasets.default_vectors()


@pytest.mark.parametrize("weighting", ["sif", "idf", "mean"])
@pytest.mark.parametrize("reference", ["lee", None])
def test_vectors_equal_a_float64_reference(vectors, weighting, reference):
    dv = engine.DocumentVectors(vectors, weighting, reference=reference)
    X = dv.fit_transform(TEXTS)
    assert X.shape == (len(TEXTS), vectors.vector_size) and X.dtype == np.float32
    w = np.asarray(dv.word_weights_, np.float64)
    comps = np.asarray(dv.components_, np.float64)
    assert comps.shape == ((1 if weighting == "sif" else 0), vectors.vector_size)
    unit = np.asarray(vectors.unit, np.float64)
    for text, row in zip(TEXTS, X):
        ids = [vectors.key_to_index[t] for t in tokenize(text.lower()) if t in vectors.key_to_index]
        if not ids:
            assert not row.any()
            continue
        q = (unit[ids] * w[ids, None]).sum(0) / len(ids)
        q -= comps.T @ (comps @ q)
        np.testing.assert_allclose(row, q / np.linalg.norm(q), atol=2e-6)


def test_fit_learns_from_its_texts_only_without_a_reference(vectors):
    lee = engine.DocumentVectors(vectors).fit(TEXTS)
    own = engine.DocumentVectors(vectors, reference=None).fit(TEXTS)
    other = engine.DocumentVectors(vectors, reference=None).fit(TEXTS[:2] + ["more text about cats"])
    assert not np.array_equal(lee.word_weights_, own.word_weights_)
    assert not np.array_equal(own.word_weights_, other.word_weights_)
    np.testing.assert_array_equal(engine.DocumentVectors(vectors).fit().word_weights_, lee.word_weights_)
    listed = engine.DocumentVectors(vectors, reference=TEXTS).fit()
    np.testing.assert_array_equal(listed.word_weights_, own.word_weights_)


def test_parameters_stored_unchanged_and_fitted_state_ends_in_underscore(vectors):
    params = dict(
        vectors=vectors,
        weighting="idf",
        reference=None,
        sif_a=0.01,
        n_components=2,
        lowercase=False,
        chunk_size=3,
    )
    dv = engine.DocumentVectors(**params)
    assert dv.get_params() == params
    assert not [a for a in vars(dv) if a.endswith("_")]
    dv.fit(TEXTS)
    assert {a for a in vars(dv) if a.endswith("_")} == {
        "embedder_",
        "word_weights_",
        "components_",
        "n_features_out_",
    }
    assert dv.get_params() == params  # fit changes no parameter
    assert dv.set_params(weighting="mean") is dv and dv.weighting == "mean"
    with pytest.raises(engine.EngineError, match="unknown parameter"):
        dv.set_params(nope=1)
    c = clone(dv)
    assert c.vectors is vectors and c.get_params() == dv.get_params() and not hasattr(c, "embedder_")


def test_sklearn_checks_that_apply(vectors):
    dv = engine.DocumentVectors(vectors)
    ec.check_no_attributes_set_in_init("DocumentVectors", dv)
    ec.check_get_params_invariance("DocumentVectors", dv)
    ec.check_set_params("DocumentVectors", dv)
    ec.check_parameters_default_constructible("DocumentVectors", dv)
    ec.check_estimator_repr("DocumentVectors", dv)
    ec.check_estimator_cloneable("DocumentVectors", dv)
    ec.check_estimators_unfitted("DocumentVectors", dv)
    with pytest.raises(NotFittedError):
        engine.DocumentVectors(vectors).transform(TEXTS)


def test_in_a_pipeline(vectors):
    texts = ["a great goal", "the match ended", "fresh bread", "soup and salad", "the team won", "hot pasta"]
    y = ["sport", "sport", "food", "food", "sport", "food"]
    pipe = make_pipeline(engine.DocumentVectors(vectors), LogisticRegression())
    assert pipe.fit(texts, y).predict(["the team scored", "a bowl of soup"]).tolist() == ["sport", "food"]
    names = pipe[0].get_feature_names_out()
    assert len(names) == vectors.vector_size and names[0] == "documentvectors0"
    assert "documentvectors" in pipe.named_steps and clone(pipe).fit(texts, y) is not None


def test_bad_input_is_a_clear_error(vectors):
    with pytest.raises(engine.EngineError, match="weighting"):
        engine.DocumentVectors(vectors, "tfidf").fit(TEXTS)
    with pytest.raises(engine.EngineError, match="vectors"):
        engine.DocumentVectors("not vectors").fit(TEXTS)
    with pytest.raises(engine.EngineError, match="give the texts"):
        engine.DocumentVectors(vectors, reference=None).fit()
    with pytest.raises(engine.ShapeError, match="single str"):
        engine.DocumentVectors(vectors).fit().transform("one text")
