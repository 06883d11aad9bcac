"""Shared builders and result comparison for the search tests."""

import numpy as np
from gensim.models import KeyedVectors

NEAR_TIE = 2e-6  # scores this close may come in either order (float32 rounding differs)

# 3CosMul divides by (prod (1 + cos)/2 + 1e-6): when a negative word is nearly opposite to a
# candidate, float32 rounding of the cosine (ours: unit rows; gensim: raw rows / norms) is
# amplified by up to ~1/(1 + cos); random 2-D vocabularies hit this, so 3CosMul scores are
# compared relatively, with this tolerance.
COSMUL = dict(rtol=1e-3, near_tie=1e-3)


def gensim_twin(v):
    """A gensim KeyedVectors holding the same raw vectors as the engine Vectors ``v``."""
    kv = KeyedVectors(v.vector_size)
    kv.add_vectors(list(v.index_to_key), np.asarray(v.vectors, dtype=np.float32))
    return kv


def assert_same_results(got, want, tol=1e-5, rtol=1e-5, near_tie=NEAR_TIE):
    """Same (key, score) lists: scores within ``tol`` (absolute and ``rtol`` relative); keys in
    the same order, except that keys whose gensim scores are within ``near_tie`` (relative above
    1) of each other may swap."""
    assert len(got) == len(want), (got[:5], want[:5])
    gk = [k for k, _ in got]
    wk = [k for k, _ in want]
    gs = np.array([s for _, s in got], dtype=np.float64)
    ws = np.array([s for _, s in want], dtype=np.float64)
    np.testing.assert_allclose(gs, ws, atol=tol, rtol=rtol)
    want_score = dict(want)
    for i, (a, b) in enumerate(zip(gk, wk)):
        if a != b:
            other = want_score.get(a, gs[i])
            assert abs(other - ws[i]) <= near_tie * max(1.0, abs(ws[i])), (
                f"position {i}: {a!r} vs gensim's {b!r} ({other} vs {ws[i]})"
            )
    assert all(type(s) is float for _, s in got), "scores must be Python floats, as gensim returns"
