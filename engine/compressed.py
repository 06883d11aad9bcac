r"""Exact search through compressed copies of the unit matrix: bf16, or int8 with a per-row scale.

A copy holds each unit row :math:`x` as :math:`\tilde x` (bf16: round to nearest even, subnormals
to zero; int8: :math:`\tilde x = \sigma_x c_x`, :math:`\sigma_x = \max_i |x_i| / 127` in float32
and integer codes :math:`c_x = \mathrm{round}(x / \sigma_x) \in [-127, 127]`), packed for the
scan (csrc/lowp_types.hpp), with per-row :math:`\delta_x = \lVert x - \tilde x\rVert`,
:math:`\lVert x\rVert`, :math:`\lVert\tilde x\rVert` (float64, rounded up) and their maxima
:math:`\Delta, M, \tilde M`. A search compresses each float32 query :math:`q` the same way
(:math:`\tilde q`), scans the copy for compressed scores :math:`\tilde s`, keeps the rows that
could still be in the top k (the candidates), re-scores them with the float32 kernel's own dot
product and returns the float32 kernel's top k. The answer is *exact*: ids, order (ties by
ascending row) and float32 scores are those of ``engine._kernels.topk`` for a single query,
whose dot product (csrc/topk.hpp's ``dots_small``) re-scores the candidates bit for bit.

**The bound.** Let :math:`s` be the float32 kernel's computed score of row :math:`x`,
:math:`s^* = \langle q, x\rangle` the exact one, :math:`t^* = \langle\tilde q, \tilde x\rangle` and
:math:`\tilde s` the computed compressed score. With :math:`u = 2^{-24}` and
:math:`\gamma_m = mu / (1 - mu)` (Higham, *Accuracy and Stability of Numerical Algorithms*, 3.1):

1. :math:`|s - s^*| \le \gamma_{D+16} \sum_i |q_i x_i| + (D+16) 2^{-149}
   \le \gamma_{D+16} \lVert q\rVert M + (D+16)2^{-149}`: a float32 dot product of D terms in any
   order, with or without FMA, rounds each partial sum at most D + 16 times along any path (16
   lanes, a masked tail, a 4-level reduction); the second term covers gradual underflow; the
   last step is Cauchy-Schwarz.
2. :math:`|s^* - t^*| = |\langle q - \tilde q, x\rangle + \langle\tilde q, x - \tilde x\rangle|
   \le \lVert q - \tilde q\rVert M + \lVert\tilde q\rVert \Delta` (Cauchy-Schwarz twice).
3. bf16: the products of two bf16 numbers are exact in float32; ``vdpbf16ps`` and AMX's
   ``tdpbf16ps`` add them to float32 accumulators over :math:`2 D_p` steps at most (:math:`D_p`
   the padded width) with round to nearest and flush to zero of subnormal results, so
   :math:`|\tilde s - t^*| \le \gamma_{2D_p+2}\lVert\tilde q\rVert\tilde M + (4D_p + 8)2^{-126}`
   (the AVX2 and scalar kernels round less: the same bound holds). int8: the integer dot
   product :math:`\langle c_q, c_x\rangle` is exact in int32 (:math:`|c| \le 127`, so
   :math:`127^2 D_p < 2^{31}` for :math:`D_p < 133\,000`), and
   :math:`\tilde s = \mathrm{fl}(\mathrm{fl}(\sigma_q\sigma_x)\,\mathrm{fl}(\langle c_q, c_x\rangle))`
   is three roundings from :math:`t^*`: :math:`|\tilde s - t^*| \le \gamma_4 \lVert\tilde q\rVert
   \tilde M + 2^{-100}`.

Their sum is :math:`E(q)`, a bound on :math:`|s - \tilde s|` for every row; the kernel computes
it in float64 from the query and the copy's maxima and rounds :math:`2E(q)` up to a float32
``margin`` (csrc/scan_lowp.hpp: ``margin``).

**The selection.** Per query, each thread scans its rows keeping the k best compressed scores
(threshold :math:`\theta`, the k-th best so far) and, as candidates, every row with
:math:`\tilde s \ge \theta - 2E` (the cut is rounded down). Claim: a row :math:`r` that is not a
candidate is not in the float32 top k. When :math:`r` was scanned, k rows :math:`y` held
:math:`\tilde s_y \ge \theta > \tilde s_r + 2E`, hence
:math:`s_y \ge \tilde s_y - E > \tilde s_r + E \ge s_r`: k rows score strictly higher in float32,
whatever the tie rule. At the end, the per-thread heaps are merged into the global k-th best
compressed score :math:`\theta^*` (never below any thread's :math:`\theta`), candidates below
:math:`\theta^* - 2E` are dropped by the same argument, the rest re-scored in float32 and
sorted by (score descending, row ascending). Excluded rows and rows outside ``restrict_vocab``
are neither kept nor counted. The candidates hold the whole float32 top k, so their top k is it.

**The per-row refinement.** The bound of step 2 holds row by row with the row's own error:
:math:`|s^* - t^*| \le \lVert q - \tilde q\rVert M + \lVert\tilde q\rVert \delta_x`, so
:math:`E_x(q) = E(q) - \lVert\tilde q\rVert(\Delta - \delta_x) \ge |s - \tilde s|` for row
:math:`x` (the stored :math:`\delta_x` is rounded up; the norms keep their maxima, which for unit
rows differ little). Before the re-score, among the candidates :math:`C` left by the global cut,
let :math:`L` be the k-th largest :math:`\tilde s_y - E_y` (each rounded down): k distinct rows
score :math:`s_y \ge L`. A candidate with :math:`\tilde s_r + E_r < L` (rounded up) has
:math:`s_r < L`, so k other rows score strictly higher (:math:`r` is not among them:
:math:`\tilde s_r - E_r \le \tilde s_r + E_r < L`); it is dropped. The scan keeps the global
margin :math:`2E`, a superset of the refined set, so every dispatch path shares the refinement
(csrc/scan_lowp.hpp: ``refine``). It pays for int8, whose :math:`\delta_x` vary with the row's
largest component: 10 nearest of 2,000 words of the default vectors re-score a median of 18 rows
(p99 44) instead of 41 (172); of 100k x 300 clustered vectors 33 (49) instead of 44 (62). bf16's
relative rounding error is nearly the same for every row: 11 (17) either way.

**The re-rank of given candidates** (``rerank``: an approximate index's) is the same argument
with the candidates for the rows: scored through the copy, refined, the rest re-scored.

**What "exact" is measured against.** The float32 kernel's scores for a single query (its
SIMD-dots path). For batches of more than 8 queries, ``engine._kernels.topk`` uses sgemm, whose
summation order differs: its scores can differ from the single-query ones in the last bits, and
so can the order of rows whose scores tie to within that rounding. A compressed search returns
the single-query answer at every batch size.
"""

from typing import NamedTuple

import numpy as np

from . import _kernels
from ._kernels import _dispatch
from ._kernels import compressed as _lowp
from .errors import EngineError, ShapeError

#: the precisions of ``Vectors.search`` and friends ("auto": the fastest exact one at hand)
PRECISIONS = ("auto", "float32", "bfloat16", "int8")


class CompressedCopy(NamedTuple):
    """A bf16 or int8 copy of a unit matrix and the bounds of its errors (see the module docs)."""

    kind: str  #: "bfloat16" or "int8"
    n: int  #: the rows of the float32 matrix
    d: int  #: its dimension
    data: np.ndarray  #: the packed codes, (padded rows, padded d), uint16 (bf16 bits) or int8
    scale: np.ndarray  #: int8: float32 row scales (padded rows,); zeros for bf16
    rowsum: np.ndarray  #: int8: int32 sums of each row's codes (padded rows,); zeros for bf16
    err: np.ndarray  #: float32 (n,): ||x - x~|| per row, rounded up
    max_norm: float  #: max ||x|| (float64, an upper bound)
    max_norm_copy: float  #: max ||x~||
    max_err: float  #: max ||x - x~||
    fingerprint: str  #: the float32 matrix's fingerprint (``fingerprint``) when built

    @property
    def nbytes(self):
        """Bytes of the copy's arrays."""
        return sum(a.nbytes for a in (self.data, self.scale, self.rowsum, self.err))


def fingerprint(unit):
    """A cheap fingerprint of a float32 matrix: its shape and a hash of its first and last 32 rows.

    Enough to tell a copy built for another matrix, or a matrix rebuilt since (every row of a
    rebuilt unit matrix changes): the copy's own checksum guards its bytes.

    Examples
    --------
    >>> fingerprint(np.eye(2, dtype=np.float32)) == fingerprint(np.eye(2, dtype=np.float32))
    True
    """
    import hashlib

    n, d = unit.shape
    # the first and last 32 rows: two places in a memory-mapped file, not 64 (each page fault
    # may map far more than a row); a rebuilt matrix changes every row, another matrix its first
    rows = np.unique(np.r_[np.arange(min(n, 32)), np.arange(max(0, n - 32), n)]).astype(np.int64)
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{n}x{d}".encode())
    h.update(np.ascontiguousarray(unit[rows], dtype=np.float32).tobytes())
    return h.hexdigest()


def compress(unit, kind):
    """Build the ``kind`` copy of a unit matrix (threaded: ``engine.set_num_threads``).

    Parameters
    ----------
    unit : ndarray, float32 (n, d)
        The unit rows (a ``Vectors``' ``unit``).
    kind : {"bfloat16", "int8"}
        bf16 halves the bytes scanned, int8 quarters them.

    Returns
    -------
    CompressedCopy

    Examples
    --------
    >>> c = compress(np.eye(3, dtype=np.float32), "bfloat16")
    >>> c.kind, c.n, c.max_err
    ('bfloat16', 3, 0.0)
    """
    if kind not in _lowp.KINDS:
        raise ShapeError(f"compress: kind must be 'bfloat16' or 'int8', got {kind!r}")
    unit = _kernels.as_matrix(unit, "unit")
    a = _lowp.compress_rows(unit, kind)
    return CompressedCopy(
        kind,
        unit.shape[0],
        unit.shape[1],
        a["data"],
        a["scale"],
        a["rowsum"],
        a["err"],
        _top(a["norm"]),
        _top(a["norm_copy"]),
        _top(a["err"]),
        fingerprint(unit),
    )


def _top(v):
    return float(v.max()) if v.size else 0.0


def check_copy(copy, unit):
    """An EngineError unless ``copy`` was built for ``unit`` (shape and fingerprint).

    Examples
    --------
    >>> X = np.eye(2, dtype=np.float32)
    >>> check_copy(compress(X, "int8"), X)
    >>> check_copy(compress(X, "int8"), 2 * X)
    Traceback (most recent call last):
    ...
    engine.errors.EngineError: the int8 copy does not match the float32 matrix (built for another matrix, or stale after a rebuild): compress it again
    """
    if (copy.n, copy.d) != tuple(unit.shape):
        raise EngineError(
            f"the {copy.kind} copy has {copy.n} x {copy.d} rows, the float32 matrix "
            f"{unit.shape[0]} x {unit.shape[1]}: compress it again"
        )
    if copy.fingerprint != fingerprint(unit):
        raise EngineError(
            f"the {copy.kind} copy does not match the float32 matrix (built for another matrix, "
            "or stale after a rebuild): compress it again"
        )


def search(unit, copy, queries, k, lo=0, hi=None, exclude=None):
    """The float32 kernel's exact top-``k`` through ``copy`` (see the module docs).

    Parameters
    ----------
    unit : ndarray, float32 (n, d)
        The float32 unit rows (read for the candidates only).
    copy : CompressedCopy
        Its copy.
    queries, k, lo, hi, exclude
        As ``engine._kernels.topk`` (unit float32 queries, one row per item).

    Returns
    -------
    scores : ndarray, float32 (q, k)
    ids : ndarray, int64 (q, k)
    rescored : ndarray, int64 (q,)
        Rows re-scored in float32 per query: the price of exactness.

    Examples
    --------
    >>> X = np.eye(3, dtype=np.float32)
    >>> search(X, compress(X, "bfloat16"), X[1:2], 2)[1].tolist()
    [[1, 0]]
    """
    return _lowp.topk_lowp(copy, unit, queries, k, lo, hi, exclude, source=mapped_file(unit))


def rerank(unit, copy, queries, ids, k):
    """The float32 re-rank of candidate rows per query (an approximate index's), through ``copy``.

    The answer is the float32 re-rank's for every input: the distinct candidates' float32 kernel
    scores (single-query arithmetic), the best ``k`` by (score descending, row ascending). With a
    copy, the candidates are first scored through it and only those whose bound can still reach
    the k-th best lower bound are re-scored in float32 (see "The per-row refinement" above: the
    same argument with the candidates for the rows).

    Parameters
    ----------
    unit : ndarray, float32 (n, d)
        The float32 unit rows.
    copy : CompressedCopy or None
        None: every candidate is re-scored in float32.
    queries : ndarray, float32 (q, d)
        Unit query rows.
    ids : ndarray, int (q, m)
        Candidate rows per query (-1: none).
    k : int

    Returns
    -------
    scores : ndarray, float32 (q, k)
        -inf past the candidates.
    ids : ndarray, int64 (q, k)
        -1 past the candidates.
    rescored : ndarray, int64 (q,)
        Rows re-scored in float32 per query.

    Examples
    --------
    >>> X = np.eye(3, dtype=np.float32)
    >>> rerank(X, compress(X, "int8"), X[2:], [[0, 2, 1]], 1)[1].tolist()
    [[2]]
    """
    return _lowp.rerank(copy, unit, queries, ids, k, source=mapped_file(unit))


def mapped_file(unit):
    """``(descriptor, offset of row 0)`` of the file ``unit`` is mapped from, else None.

    For a whole matrix mapped by engine's own loader (``engine._npy.load_npy`` keeps a
    descriptor of the very file mapped, whatever its path becomes).
    A search through a copy then reads its few re-scored float32 rows from the file instead of
    the mapping: a page fault maps a whole page-cache folio (up to 2 MB on Linux with large
    folios), so a few thousand scattered rows would bring most of the matrix into memory.

    Examples
    --------
    >>> mapped_file(np.eye(2, dtype=np.float32)) is None
    True
    """
    m = unit
    while m is not None and not isinstance(m, np.memmap):
        m = getattr(m, "base", None)
    if m is None or getattr(m, "engine_fd", None) is None or m.shape != unit.shape:
        return None
    if m.ctypes.data != unit.ctypes.data or m.dtype != unit.dtype or not m.flags.c_contiguous:
        return None
    return m.engine_fd, int(m.offset)


# Which copy answers fastest, per dispatch path and batch size: (largest batch, preferences);
# no preference left means float32. Measured on this project's machine (Xeon with AMX, 100k x
# 300, k = 10, one thread; docs/compressed-search.md): on spr int8 leads at every batch (VNNI
# for a few queries, AMX tiles beyond); elsewhere the copies win while the scan is memory-bound
# (int8 up to ~32 queries on avx2/avx512, bf16 for a few on the scalar baseline) and float32's
# sgemm wins after.
_AUTO = {
    "spr": ((None, ("int8", "bfloat16")),),
    "baseline": ((8, ("bfloat16", "int8")), (None, ())),
}
_AUTO_DEFAULT = ((32, ("int8", "bfloat16")), (None, ()))


def choose(precision, copies, n_queries):
    """The precision a search runs at: ``precision`` itself, or for "auto" the fastest at hand.

    Parameters
    ----------
    precision : {"auto", "float32", "bfloat16", "int8"}
    copies : dict
        kind -> CompressedCopy, the copies built.
    n_queries : int

    Returns
    -------
    str
        "float32" when "auto" finds no copy.

    Raises
    ------
    ShapeError
        For an unknown precision.
    EngineError
        For a precision whose copy was not built (``Vectors.compress``).

    Examples
    --------
    >>> choose("auto", {}, 10)
    'float32'
    """
    if precision not in PRECISIONS:
        raise ShapeError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "float32":
        return precision
    if precision != "auto":
        if precision not in copies:
            raise EngineError(
                f"precision={precision!r}: no {precision} copy of these vectors; build it with "
                f"Vectors.compress({precision!r}) or load one saved with them"
            )
        return precision
    for limit, kinds in _AUTO.get(_dispatch.path, _AUTO_DEFAULT):
        if limit is None or n_queries <= limit:
            return next((k for k in kinds if k in copies), "float32")
    return "float32"


def choose_rerank(precision, copies, unit):
    """The precision an approximate index's re-rank (``rerank``) runs at.

    Every precision gives the same answer. A copy saves float32 rows, not time, unless those
    rows are expensive: "auto" takes one (int8, else bf16) only when ``unit`` is memory-mapped
    from engine's own file, whose rows the re-rank then reads from the file (the page cache or
    the disk) instead of memory (measured in docs/faiss.md).

    Parameters
    ----------
    precision : {"auto", "float32", "bfloat16", "int8"}
    copies : dict
        kind -> CompressedCopy, the copies built.
    unit : ndarray, float32 (n, d)
        The float32 unit rows.

    Returns
    -------
    str

    Raises
    ------
    ShapeError, EngineError
        As `choose`.

    Examples
    --------
    >>> X = np.eye(2, dtype=np.float32)
    >>> choose_rerank("auto", {"int8": compress(X, "int8")}, X)
    'float32'
    """
    kind = choose(precision, copies, 1)
    if precision != "auto":
        return kind
    if mapped_file(unit) is None:
        return "float32"
    return next((k for k in ("int8", "bfloat16") if k in copies), "float32")
