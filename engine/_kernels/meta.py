"""The meta-embedding projection (csrc/meta.hpp): several sources' rows, unit-normalised,
filled, scaled and projected into their column slots of one output matrix, block by block."""

import numpy as np

from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch
from ._arrays import as_matrix


def build_meta(sources, fill_maps, d_out, block=None):
    """Run the meta-embedding projection kernel; return ``(unit, norms)``.

    Everything is validated here; the kernel trusts it.

    Parameters
    ----------
    sources : sequence of dict
        One per source: ``rows`` (N_s x D_s float32); ``idx`` (int64, one per output row: a
        row, -1 missing, -2-k row k of ``extra``); optional ``extra`` (K_s x D_s); ``scale``
        (float >= 0, default 1); optional ``proj`` (D_s x W_s; None = identity) and ``offset``
        (first output column of the source's slot, default 0).
    fill_maps : sequence
        S*S entries; entry ``t*S+s`` is a D_t x D_s map predicting source s from t, or None.
    d_out : int
        Output columns.
    block : int, optional
        Output rows per block; by default the kernel's (csrc/meta.hpp ``kMetaBlock``).

    Returns
    -------
    unit : numpy.ndarray, float32 (n, d_out)
        The unit-normalised output rows (a row with nothing in it stays zero).
    norms : numpy.ndarray, float32 (n,)
        Their norms before that last normalisation.

    Examples
    --------
    >>> rows = np.array([[3, 4], [1, 0]], dtype=np.float32)
    >>> unit, norms = build_meta([dict(rows=rows, idx=[1, -1])], [None], 2)
    >>> unit.tolist(), norms.tolist()
    ([[1.0, 0.0], [0.0, 0.0]], [1.0, 0.0])
    """
    S = len(sources)
    if S == 0:
        raise ShapeError("build_meta: no sources")
    d_out = int(d_out)
    checked = []
    for s, src in enumerate(sources):
        checked.append(_source(s, src, d_out, n=checked[0][2].shape[0] if checked else None))
    rows, extras, idxs, scales, projs, offsets = (list(column) for column in zip(*checked))
    maps = _fill_maps(fill_maps, [m.shape[1] for m in rows])
    n = idxs[0].shape[0]
    out = np.empty((n, d_out), dtype=np.float32)
    norms = np.empty(n, dtype=np.float32)
    args = (rows, extras, idxs, scales, projs, offsets, maps, out, norms, get_num_threads())
    if block is None:
        _dispatch.active.build_meta(*args)
    else:
        _dispatch.active.build_meta(*args, int(block))
    return out, norms


def _source(s, src, d_out, n):
    """Source ``s`` checked (``n`` row indices, as source 0, unless None): ``(rows, extra,
    idx, scale, proj or None, offset)``."""
    m = as_matrix(src["rows"], f"source {s} vectors", finite=False)
    D = m.shape[1]
    ex = src.get("extra")
    ex = np.zeros((0, D), np.float32) if ex is None else as_matrix(ex, f"source {s} fills")
    if ex.shape[1] != D:
        raise ShapeError(f"source {s}: fills have {ex.shape[1]} dims, the source has {D}")
    idx = np.ascontiguousarray(src["idx"], dtype=np.int64)
    if idx.ndim != 1:
        raise ShapeError(f"source {s}: row indices must be 1-D, got shape {idx.shape}")
    if n is not None and idx.shape[0] != n:
        raise ShapeError(f"source {s}: {idx.shape[0]} row indices, source 0 has {n}")
    if idx.size and (idx.max() >= m.shape[0] or idx.min() < -2 - ex.shape[0] + 1):
        raise ShapeError(
            f"source {s}: a row index is out of range ({idx.min()}..{idx.max()} "
            f"for {m.shape[0]} rows and {ex.shape[0]} fills)"
        )
    scale = float(src.get("scale", 1.0))
    if not np.isfinite(scale) or scale < 0:
        raise ShapeError(f"source {s}: the scale must be finite and >= 0, got {scale}")
    proj = src.get("proj")
    width = D
    if proj is not None:
        proj = as_matrix(proj, f"source {s} projection")
        if proj.shape[0] != D:
            raise ShapeError(f"source {s}: projection has {proj.shape[0]} rows, the source has {D} dims")
        width = proj.shape[1]
    off = int(src.get("offset", 0))
    if off < 0 or off + width > d_out:
        raise ShapeError(f"source {s}: slot [{off}, {off + width}) outside the {d_out} output columns")
    return m, ex, idx, scale, proj, off


def _fill_maps(fill_maps, dims):
    """The S*S fill maps checked against the sources' dimensions ``dims``."""
    S = len(dims)
    if len(fill_maps) != S * S:
        raise ShapeError(f"build_meta: {len(fill_maps)} fill maps, expected {S * S}")
    maps = []
    for k, A in enumerate(fill_maps):
        t, s = divmod(k, S)
        if A is not None:
            A = as_matrix(A, f"fill map {t}->{s}")
            if A.shape != (dims[t], dims[s]) or t == s:
                raise ShapeError(f"fill map {t}->{s}: shape {A.shape}, expected {(dims[t], dims[s])}")
        maps.append(A)
    return maps
