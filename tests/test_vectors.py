"""The Vectors container and the normalisation kernel every Vectors goes through."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import engine
from engine import _kernels
from engine.errors import EngineError, ShapeError, VocabularyError


# ---------------------------------------------------------------- the normalisation kernel
def _reference(m):
    """float64 numpy: unit rows, zero rows left at zero, and the norms."""
    m64 = m.astype(np.float64)
    norms = np.sqrt((m64 * m64).sum(axis=1))
    safe = np.where(norms > 0, norms, 1.0)
    return m64 / safe[:, None], norms


# subnormals included: a row of them once normalised to inf/NaN
finite_f32 = st.floats(
    min_value=-(2.0**50), max_value=2.0**50, allow_nan=False, allow_infinity=False, width=32
)


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 40).flatmap(
        lambda d: arrays(np.float32, st.tuples(st.integers(0, 30), st.just(d)), elements=finite_f32)
    ),
    zero_rows=st.lists(st.integers(0, 29), max_size=5),
)
def test_normalize_rows_matches_float64_reference(m, zero_rows):
    m = m.copy()
    for r in zero_rows:
        if r < m.shape[0]:
            m[r] = 0.0
    unit, norms = _kernels.normalize_rows(m)
    ref_unit, ref_norms = _reference(m)
    assert unit.dtype == np.float32 and unit.flags.c_contiguous and unit.shape == m.shape
    assert np.isfinite(unit).all() and np.isfinite(norms).all()
    np.testing.assert_allclose(unit, ref_unit, rtol=0, atol=2e-7 * np.sqrt(m.shape[1]) + 1e-7)
    # a row of subnormals has a subnormal norm: float32 holds it only to the nearest 1.4e-45
    np.testing.assert_allclose(
        norms, ref_norms, rtol=2e-7, atol=float(np.finfo(np.float32).smallest_subnormal)
    )
    zero = ~m.any(axis=1)
    assert not unit[zero].any() and not norms[zero].any()
    # in place gives the same bits
    inplace = m.copy()
    u2, n2 = _kernels.normalize_rows(inplace, out=inplace)
    assert u2 is inplace
    np.testing.assert_array_equal(u2, unit)
    np.testing.assert_array_equal(n2, norms)


def test_normalize_rows_on_real_vectors():
    v = engine.datasets.default_vectors()
    raw = np.asarray(v.vectors[:2000])
    unit, norms = _kernels.normalize_rows(raw)
    ref_unit, ref_norms = _reference(raw)
    np.testing.assert_allclose(unit, ref_unit, atol=1e-7)
    np.testing.assert_allclose(norms, ref_norms, rtol=2e-7)
    np.testing.assert_allclose(np.linalg.norm(unit.astype(np.float64), axis=1), 1.0, atol=1e-6)


def test_normalize_rows_rejects_non_finite_naming_the_cell():
    m = np.ones((5000, 300), dtype=np.float32)  # more than one checking block
    m[4321, 17] = np.nan
    with pytest.raises(ShapeError, match=r"row 4321, column 17"):
        _kernels.normalize_rows(m)
    with pytest.raises(ShapeError, match="norm of row 1 is beyond float32"):
        _kernels.normalize_rows(np.array([[1.0, 0.0], [3e38, 3e38]], dtype=np.float32))
    with pytest.raises(ShapeError, match="2-D"):
        _kernels.normalize_rows(np.ones(3))


# ---------------------------------------------------------------- the container
@pytest.fixture(scope="module")
def lee():
    kv = engine.datasets.word2vec_keyedvectors()
    return kv, engine.Vectors.from_gensim(kv)


def test_raw_vectors_equal_gensim_within_float32_rounding(lee):
    kv, v = lee
    assert len(v) == len(kv) and v.vector_size == kv.vector_size
    for w in kv.index_to_key[::37]:
        np.testing.assert_allclose(v[w], kv[w], rtol=5e-7, atol=0)
        np.testing.assert_allclose(v.get_vector(w, norm=True), kv.get_vector(w, norm=True), atol=1e-7)
    words = kv.index_to_key[:5]
    np.testing.assert_allclose(v[words], kv[words], rtol=5e-7)
    np.testing.assert_allclose(v.get_normed_vectors(), kv.get_normed_vectors(), atol=1e-7)
    assert v.index_to_key == kv.index_to_key and v.key_to_index == kv.key_to_index


def test_int_keys_are_rows_as_gensim(lee):
    kv, v = lee
    np.testing.assert_allclose(v[3], kv[3], rtol=5e-7)
    assert v.get_index(kv.index_to_key[3]) == 3 == v.get_index(np.int64(3))
    np.testing.assert_array_equal(v.ids(kv.index_to_key[:4]), [0, 1, 2, 3])


def test_missing_word_is_a_vocabulary_error_that_is_a_key_error(lee):
    _, v = lee
    with pytest.raises(KeyError) as err:
        v["notaword_xyz"]
    assert isinstance(err.value, VocabularyError) and isinstance(err.value, EngineError)
    assert "notaword_xyz" in str(err.value)
    with pytest.raises(VocabularyError, match="qqq_missing"):
        v.ids(["the", "qqq_missing"])
    with pytest.raises(VocabularyError, match=f"Key '{len(v)}' not present"):
        v.get_index(len(v))
    assert v.get_index("notaword_xyz", default=-1) == -1
    assert "notaword_xyz" not in v and "the" in v


def test_immutable(lee):
    _, v = lee
    # every array, v.vectors and what v[word] returns (a view, as gensim's) refuse writes
    for arr in (v.unit, v.norms, v.counts, v.vectors, v["the"], v.get_vector("the", norm=True)):
        with pytest.raises(ValueError):
            arr[0] = 0
    assert v.vectors is v.vectors


def test_zero_vectors_stay_zero():
    v = engine.Vectors(["a", "zero"], np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_array_equal(v.unit[1], [0, 0])
    assert v.norms[1] == 0 and not np.isnan(v.unit).any()
    np.testing.assert_array_equal(v["zero"], [0, 0])
    np.testing.assert_array_equal(v.get_vector("zero", norm=True), [0, 0])
    np.testing.assert_allclose(v["a"], [3, 4])


def test_construction_errors():
    with pytest.raises(EngineError, match="duplicate key 'a'"):
        engine.Vectors(["a", "b", "a"], np.eye(3))
    with pytest.raises(ShapeError, match="3 keys"):
        engine.Vectors(["a", "b", "c"], np.eye(2))
    with pytest.raises(ShapeError, match="NaN or Inf"):
        engine.Vectors(["a"], [[np.inf, 1.0]])
    with pytest.raises(ShapeError, match="counts"):
        engine.Vectors(["a", "b"], np.eye(2), counts=[1, 2, 3])
    with pytest.raises(EngineError, match="give the vectors"):
        engine.Vectors(["a"])


def test_repr_len_iter():
    v = engine.Vectors(["x", "y"], np.eye(2, 3))
    assert repr(v) == "<engine.Vectors: 2 words × 3 dims>"
    assert list(v) == ["x", "y"] and len(v) == 2
    assert v.unit.dtype == np.float32 and v.unit.flags.c_contiguous
