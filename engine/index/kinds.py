"""The index kinds: the parameters each accepts, their defaults, and building the FAISS index."""

import math
from numbers import Integral

from .._config import get_num_threads
from .._params import Interval, check
from ..errors import DependencyError, EngineError

KINDS = ("flat", "hnsw", "ivf", "sq8", "pq")

# Parameters each kind accepts (the knobs efSearch/nprobe and rerank can also change later).
_PARAMS = {
    "flat": (),
    "hnsw": ("M", "efConstruction", "efSearch", "rerank"),
    "ivf": ("nlist", "nprobe", "train_size", "seed", "rerank"),
    "sq8": ("train_size", "seed", "rerank"),
    "pq": ("nlist", "nprobe", "m", "nbits", "train_size", "seed", "rerank"),
    None: ("efSearch", "nprobe", "train_size", "seed", "rerank"),  # a factory string
}
_HNSW_DEFAULTS = {"M": 32, "efConstruction": 100, "efSearch": 64}
_DEFAULT_NPROBE = 64
_PQ_RERANK = 10


def _faiss():
    try:
        import faiss
    except ImportError:
        raise DependencyError("FaissIndex needs FAISS: pip install faiss-cpu") from None
    faiss.omp_set_num_threads(get_num_threads())
    return faiss


def default_nlist(n):
    """Number of IVF lists for ``n`` vectors: ``4·sqrt(n)``, at most ``n // 39`` and 65,536.

    Parameters
    ----------
    n : int
        Number of vectors to index.

    Returns
    -------
    int
        ``clip(round(4·sqrt(n)), 1, min(65536, n // 39))``.

    Examples
    --------
    >>> default_nlist(10_000), default_nlist(1_000_000), default_nlist(10_000_000)
    (256, 4000, 12649)
    """
    return int(max(1, min(round(4 * math.sqrt(n)), n // 39, 65536)))


def default_train_size(n, nlist):
    """Rows sampled to train an IVF/PQ/SQ index: ``min(n, max(50,000, 40·nlist))``.

    Parameters
    ----------
    n : int
        Number of vectors.
    nlist : int
        Number of IVF lists k-means places.

    Returns
    -------
    int
        The training sample size.

    Examples
    --------
    >>> default_train_size(21_745, 557), default_train_size(10_000_000, 12649)
    (21745, 505960)
    """
    return int(min(n, max(50_000, 40 * nlist)))


def default_pq_m(d):
    """PQ sub-quantizers for dimension ``d``: the largest divisor of ``d`` with ``d / m >= 8``.

    Eight or more dimensions a sub-quantizer keep FAISS's PQ training (one 256-centroid k-means
    per sub-quantizer) affordable; ``rerank`` recovers the precision the coarser codes lose.

    Parameters
    ----------
    d : int
        The dimension.

    Returns
    -------
    int
        The number ``m`` of sub-quantizers (1 when ``d < 16``).

    Examples
    --------
    >>> default_pq_m(300), default_pq_m(384), default_pq_m(7)
    (30, 48, 1)
    """
    return max([m for m in range(1, d // 8 + 1) if d % m == 0] or [1])


def _extract_ivf(faiss, index):
    """The inverted-file part of ``index`` (also inside wrappers such as a pre-transform), or None."""
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def _positive_int(name, value):
    return int(check(name, value, [Interval(Integral, 1, None)]))


def _knob(structure, name):
    """The search knob ``name`` of an HNSW graph or IVF lists; None when the index has none."""
    return None if structure is None else int(getattr(structure, name))


def _set_knob(structure, name, value, kind, what, cap=None):
    """Set the search knob ``name`` of an HNSW graph or IVF lists to ``value`` (an int >= 1, at most
    the structure's ``cap`` attribute) and return it; ``what`` names the structure a ``kind``
    index lacks in the error."""
    if structure is None:
        raise EngineError(f"{name}: the {kind!r} index has no {what}")
    value = _positive_int(name, value)
    setattr(structure, name, value if cap is None else min(value, getattr(structure, cap)))
    return int(getattr(structure, name))


def _check_params(key, kind, params, n, d):
    allowed = _PARAMS[key]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        what = f"kind {key!r}" if key else "a FAISS factory string"
        raise EngineError(
            f"FaissIndex.build: unknown parameter(s) {', '.join(unknown)} for {what}; "
            f"accepted: {', '.join(allowed) or 'none'}"
        )
    out = {}
    for name, value in params.items():
        low = 0 if name in ("seed", "rerank") else 1
        out[name] = int(check(name, value, [Interval(Integral, low, None)], "FaissIndex.build"))
    if key == "hnsw":
        out = {**_HNSW_DEFAULTS, **out}
    if key in ("ivf", "pq"):
        out.setdefault("nlist", default_nlist(n))
        if out["nlist"] > n:
            raise EngineError(f"FaissIndex.build: nlist={out['nlist']} exceeds the {n} vectors to cluster")
        out.setdefault("nprobe", min(_DEFAULT_NPROBE, out["nlist"]))
    if key == "pq":
        out.setdefault("m", default_pq_m(d))
        out.setdefault("nbits", 8)
        out.setdefault("rerank", _PQ_RERANK)
        if d % out["m"]:
            raise EngineError(f"FaissIndex.build: m={out['m']} sub-quantizers must divide the dimension {d}")
        if not 1 <= out["nbits"] <= 16:
            raise EngineError(f"FaissIndex.build: nbits must be within 1..16, got {out['nbits']}")
        if 2 ** out["nbits"] > out.get("train_size", n):
            raise EngineError(
                f"FaissIndex.build: nbits={out['nbits']} needs at least {2 ** out['nbits']} training vectors, "
                f"only {min(n, out.get('train_size', n))} available; lower nbits"
            )
    if "train_size" in out and out["train_size"] > n:
        out["train_size"] = n
    return out


def _make(faiss, key, kind, params, d):
    ip = faiss.METRIC_INNER_PRODUCT
    if key == "flat":
        return faiss.IndexFlatIP(d)
    if key == "hnsw":
        index = faiss.IndexHNSWFlat(d, params["M"], ip)
        index.hnsw.efConstruction = params["efConstruction"]
        return index
    if key == "sq8":
        return faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_8bit, ip)
    if key in ("ivf", "pq"):
        quantizer = faiss.IndexFlatIP(d)
        if key == "ivf":
            index = faiss.IndexIVFFlat(quantizer, d, params["nlist"], ip)
        else:
            index = faiss.IndexIVFPQ(quantizer, d, params["nlist"], params["m"], params["nbits"], ip)
        return index  # faiss's wrapper keeps a reference to the quantizer
    try:
        return faiss.index_factory(d, kind.strip(), ip)
    except RuntimeError as e:
        raise EngineError(
            f"FaissIndex.build: {kind!r} is neither one of {', '.join(KINDS)} "
            f"nor a FAISS factory string for dimension {d} ({_faiss_msg(e)})"
        ) from None


def _faiss_msg(e):
    """The useful line of a FAISS C++ exception message."""
    text = str(e).strip().splitlines()
    msg = next((line for line in text if "Error" in line or "error" in line), text[-1] if text else "")
    return msg.strip()


def faiss_search(index, hnsw, q, fetch):
    """FAISS's own search of ``index`` for ``fetch`` results per row of ``q``; an HNSW graph
    (``hnsw``, None for other kinds) searched deeper for that call when ``fetch`` exceeds its
    ``efSearch``, since HNSW returns at most ``efSearch`` results."""
    faiss = _faiss()  # also applies the thread count
    if hnsw is not None and hnsw.efSearch < fetch:
        params = faiss.SearchParametersHNSW()
        params.efSearch = fetch
        return index.search(q, fetch, params=params)
    return index.search(q, fetch)
