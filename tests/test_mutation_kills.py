"""Tests written to kill the mutants the mutation pass left alive (docs/evidence.md, "Mutation
testing"): each checks a behaviour no other test in the pass's selection pinned down, against an
independent answer.

- ``encode_texts`` (the native ASCII tokenizer with its Cython fallback) against the Cython
  ``engine._text.encode`` alone, on texts that take every path;
- ``wmd_zip`` / ``WMD.pairs``: every Sinkhorn parameter reaches the kernel (against POT's
  ``sinkhorn2`` with the same reg, iterations and tolerance), infinite costs are allowed, its
  messages name the argument;
- ``search`` queries: a list of float64 vectors, an empty matrix, a dict and None, each with
  its message; the float64 list gives the float32 matrix's answer.
"""

import numpy as np
import pytest
from engine._text import encode

import engine
from engine._kernels import text as ktext
from engine._kernels import wmd as kwmd
from engine.errors import ShapeError

KEYS = ["apple", "pear", "kiwi", "Äpfel", "été", "the"]
K2I = {k: i for i, k in enumerate(KEYS)}
TEXTS = [
    "Pear pear kiwi",  # ASCII: the native path
    "apple APPLE the the the",
    "",  # empty
    "Äpfel und Birnen, été",  # not ASCII: the Cython fallback
    ["pear", "Kiwi", "kiwi"],  # a token list: the fallback
    "nothing known here",
    "kiwi, été; apple",  # mixed again
]


def _same(got, want):
    assert len(got) == len(want) == 4
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


@pytest.mark.parametrize("lowercase", [True, False])
def test_encode_texts_equals_the_cython_encoder_on_every_path(lowercase):
    vocab = ktext.ascii_vocab(KEYS)
    want = encode(TEXTS, K2I, lowercase)
    assert int(want[0][-1]) > 0 and want[3].tolist() != [0] * len(TEXTS)  # the oracle finds words
    _same(ktext.encode_texts(TEXTS, K2I, lowercase, vocab), want)
    _same(ktext.encode_texts(iter(TEXTS), K2I, lowercase, vocab), want)  # any iterable
    _same(ktext.encode_texts(TEXTS, K2I, lowercase), want)  # no vocab: Cython only
    ascii_only = [t for t in TEXTS if isinstance(t, str) and t.isascii()]
    _same(ktext.encode_texts(ascii_only, K2I, lowercase, vocab), encode(ascii_only, K2I, lowercase))


def test_encode_texts_lowercases_by_default():
    vocab = ktext.ascii_vocab(KEYS)
    got = ktext.encode_texts(["APPLE Pear"], K2I, vocab=vocab)
    assert got[1].tolist() == [0, 1] and got[3].tolist() == [2]


def test_encode_texts_names_a_bad_item():
    vocab = ktext.ascii_vocab(KEYS)
    with pytest.raises(ShapeError, match=r"texts: item 1 is a int, expected a str or a list of str"):
        ktext.encode_texts(["apple", 7], K2I, True, vocab)


# ---------------------------------------------------------------- wmd_zip
def _bags(rng, n_docs, n_words):
    """CSR bags (ptr, loc, gid, w) of n_docs documents over rows 0..n_words-1."""
    ptr, loc, w = [0], [], []
    for _ in range(n_docs):
        words = rng.choice(n_words, size=int(rng.integers(2, 6)), replace=False)
        weights = rng.random(len(words)) + 0.1
        loc += words.tolist()
        w += (weights / weights.sum()).tolist()
        ptr.append(len(loc))
    loc = np.asarray(loc, np.int32)
    return (np.asarray(ptr, np.int64), loc, loc.astype(np.int64), np.asarray(w, np.float64))


def _pairs_reference(X, A, B, solve):
    out = []
    for p in range(len(A[0]) - 1):
        a0, a1, b0, b1 = A[0][p], A[0][p + 1], B[0][p], B[0][p + 1]
        xa, xb = X[A[1][a0:a1]], X[B[1][b0:b1]]
        M = np.sqrt(((xa[:, None, :] - xb[None, :, :]) ** 2).sum(-1))
        out.append(solve(A[3][a0:a1], B[3][b0:b1], M))
    return np.array(out)


def test_wmd_zip_passes_every_sinkhorn_parameter_to_the_kernel():
    ot = pytest.importorskip("ot")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 5))
    A, B = _bags(rng, 6, 12), _bags(rng, 6, 12)
    sink = kwmd.WMD_METHODS["sinkhorn"]
    exact = kwmd.wmd_zip(X, A, B)
    np.testing.assert_allclose(exact, _pairs_reference(X, A, B, ot.emd2), rtol=1e-9)
    assert exact.dtype == np.float64
    # converged, each reg gives POT's entropic cost for that reg: reg reached the kernel
    for reg in (0.5, 0.2):
        got = kwmd.wmd_zip(X, A, B, sink, reg=reg, max_iter=20000, tol=1e-12)

        def pot(a, b, M, reg=reg):
            plan = ot.sinkhorn(a, b, M, reg, numItermax=20000, stopThr=1e-12, method="sinkhorn_log")
            return float((plan * M).sum())

        np.testing.assert_allclose(got, _pairs_reference(X, A, B, pot), rtol=1e-5)
    # few iterations, or a loose tolerance, stop before convergence: max_iter and tol reached it
    converged = kwmd.wmd_zip(X, A, B, sink, reg=0.05, max_iter=5000, tol=1e-12)
    assert not np.allclose(kwmd.wmd_zip(X, A, B, sink, reg=0.05, max_iter=2, tol=1e-12), converged)
    assert not np.allclose(kwmd.wmd_zip(X, A, B, sink, reg=0.05, max_iter=5000, tol=0.5), converged)


def test_wmd_zip_messages_name_the_argument():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((6, 3))
    A, B = _bags(rng, 2, 6), _bags(rng, 3, 6)
    bad = (A[0], A[1], A[2], A[3].astype(np.float32))
    with pytest.raises(ShapeError, match=r"^docs_a: malformed bag-of-words arrays$"):
        kwmd.wmd_zip(X, bad, B)
    with pytest.raises(ShapeError, match=r"^docs_b: malformed bag-of-words arrays$"):
        kwmd.wmd_zip(X, A, bad)
    with pytest.raises(ShapeError, match=r"^wmd_zip: docs_a and docs_b differ in length$"):
        kwmd.wmd_zip(X, A, B)
    with pytest.raises(ShapeError, match=r"^X: expected a 2-D array, got shape \(3,\)$"):
        kwmd.wmd_zip(X[0], A, A)


# ---------------------------------------------------------------- search queries
@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(5)
    return engine.Vectors([f"w{i}" for i in range(50)], rng.standard_normal((50, 8)).astype(np.float32))


def test_a_list_of_float64_vectors_searches_as_the_float32_matrix(small):
    rng = np.random.default_rng(6)
    q64 = [rng.standard_normal(8) for _ in range(3)]
    got = small.search(q64, k=5)
    want = small.search(np.vstack(q64).astype(np.float32), k=5)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[0], want[0])
    assert got[0].dtype == want[0].dtype


@pytest.mark.parametrize(
    "queries, message",
    [
        (np.zeros((0, 8), np.float32), r"^queries: no query given$"),
        ([], r"^queries: no query given$"),
        ({"w1": 1}, r"^queries: expected words, row ids or vectors, got dict$"),
        (None, r"^queries: expected words, row ids or vectors, got NoneType$"),
        (3.5, r"^queries: expected words, row ids or vectors, got float$"),
        (np.zeros((2, 3), np.float32), r"^queries have 3 dimensions, the vectors 8$"),
    ],
)
def test_bad_queries_are_named(small, queries, message):
    with pytest.raises(ShapeError, match=message):
        small.search(queries, k=3)


def test_non_finite_query_vectors_are_named(small):
    q = np.ones((1, 8), np.float32)
    q[0, 2] = np.nan
    with pytest.raises(ShapeError, match=r"^queries: contains NaN or Inf \(first at row 0, column 2\)$"):
        small.search(q, k=3)


def test_one_word_searches_as_a_list_of_one(small):
    got, want = small.search("w3", k=4), small.search(["w3"], k=4)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1][0, 0] == 3
