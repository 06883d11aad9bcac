"""Batch scoring on a Dask cluster (the extra ``engine[dask]``; dask is imported inside).

Two ways in, both scoring with exactly the code :func:`engine.score.score_texts` runs locally:

- :func:`score_dask` takes a Dask DataFrame and returns one (lazy): a partition of texts in, a
  partition of results out, with the same index, in the same order.
- :class:`DaskExecutor` is what ``engine score --dask ADDRESS`` uses: the client reads the input
  and writes the output (keeping order, checkpoints, ``--resume`` and line numbers of bad rows),
  and the cluster's workers score the chunks, a few in flight per worker.

Each worker process loads the vectors once, memory-mapped (``engine.load(path, mmap=True)``),
and builds each task's scorer once: both are kept in a module-level dictionary of that process,
keyed by the vectors path and the task (tasks are small hashable descriptions). Worker
processes on one machine therefore share the vectors' pages through the OS page cache. The
vectors path must be readable at the same path on every worker (a shared file system).
"""

import os

from .._params import Options, validate_params
from ..errors import DependencyError, EngineError
from .readers import BadRowError, describe
from .tasks import check_columns

# Per worker process: path -> Vectors, (path, task) -> scorer. A process-level cache is the point:
# a Dask task must not reload gigabytes of vectors for each partition.
_VECTORS = {}
_SCORERS = {}


class ClusterError(EngineError):
    """The Dask cluster could not be reached or started."""


def _dask():
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise DependencyError(
            "Dask scoring needs dask and distributed: pip install 'engine[dask]' "
            "(or pip install 'dask[dataframe,distributed]' pyarrow)"
        ) from None


def worker_vectors(path):
    """The vectors at ``path``, loaded memory-mapped once per process."""
    key = os.path.abspath(os.fspath(path))
    v = _VECTORS.get(key)
    if v is None:
        from ..io import load

        v = _VECTORS[key] = load(key, mmap=True)
    return v


def _scorer(path, task):
    key = (os.path.abspath(os.fspath(path)), task)
    s = _SCORERS.get(key)
    if s is None:
        s = _SCORERS[key] = task.scorer(worker_vectors(path))
    return s


def score_chunk(vectors_path, task, texts):
    """Score ``texts`` with this process's cached scorer: ``{column: values}`` as local scoring."""
    return check_columns(task, _scorer(vectors_path, task)(list(texts)), len(texts))


def _meta(task, id_field, id_dtype):
    import numpy as np
    import pandas as pd

    cols = {}
    if id_field:
        cols[id_field] = pd.Series([], dtype=id_dtype)
    for name, kind in task.columns():
        cols[name] = pd.Series([], dtype=np.float64 if kind == "float" else object)
    return pd.DataFrame(cols)


def _score_partition(df, vectors_path, task, text_field, id_field, on_error):
    import numpy as np
    import pandas as pd

    texts = df[text_field].tolist()
    ok = [type(t) is str for t in texts]
    if not all(ok):
        if on_error == "stop":
            j = ok.index(False)
            raise BadRowError(
                f"row with index {df.index.tolist()[j]!r}: field {text_field!r} is not text "
                f"({describe(None if pd.isna(texts[j]) else texts[j])})"
            )
        df = df[np.asarray(ok)]
        texts = [t for t, good in zip(texts, ok) if good]
    cols = score_chunk(vectors_path, task, texts)
    out = {}
    if id_field:
        out[id_field] = df[id_field].to_numpy()
    for name, kind in task.columns():
        if kind == "float":
            out[name] = np.array([np.nan if x is None else x for x in cols[name]], dtype=np.float64)
        else:
            values = np.empty(len(texts), dtype=object)
            values[:] = cols[name]  # element-wise: lists stay lists, never become a 2-D array
            out[name] = values
    return pd.DataFrame(out, index=df.index)


@validate_params(on_error=[Options(("stop", "skip"))])
def score_dask(ddf, vectors_path, task, text_field="text", id_field=None, on_error="stop"):
    """Score a Dask DataFrame's ``text_field`` with ``task``; returns a Dask DataFrame.

    The result has the input's index and partitions, the ``id_field`` column (when given) and
    the task's columns (floats as float64, lists as Python lists), the values
    :func:`engine.score.score_file` writes for the same texts. A row whose text is missing or
    not a string raises :class:`engine.score.BadRowError` naming its index, or is dropped with
    ``on_error="skip"``.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    vectors_path : str
        The vectors, readable at this path on every worker.
    task : ZeroShot, Neighbors or WMDNeighbors
    text_field, id_field : str
        The column holding the text, and one passed through (first column).
    on_error : {"stop", "skip"}

    Returns
    -------
    dask.dataframe.DataFrame (lazy)

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, engine
    >>> from engine.score import Neighbors, score_dask
    >>> ddf = dd.from_pandas(pd.DataFrame({"text": ["apple pie", "fast cars"]}), npartitions=2)
    >>> out = score_dask(ddf, engine.datasets.default_path(), Neighbors(k=3))
    >>> out.compute()["neighbors"].map(len).tolist()
    [3, 3]
    """
    _dask()
    for field in (text_field, id_field):
        if field is not None and field not in ddf.columns:
            raise EngineError(
                f"no column {field!r} in the Dask DataFrame (columns: {', '.join(map(str, ddf.columns))})"
            )
    vectors_path = os.path.abspath(os.fspath(vectors_path))
    meta = _meta(task, id_field, ddf[id_field].dtype if id_field else None)
    return ddf.map_partitions(_score_partition, vectors_path, task, text_field, id_field, on_error, meta=meta)


class DaskExecutor:
    """Scores chunks on a Dask cluster for :func:`engine.score.score_file` (``executor=``).

    ``address``: a scheduler address (``tcp://host:8786``), or ``"local"`` to start a
    ``LocalCluster`` of one single-threaded worker process per core (closed with the executor).
    ``window``: chunks in flight (default two per worker), which bounds the client's memory.
    """

    def __init__(self, address, vectors_path, task, window=None, **cluster_kwargs):
        _dask()
        from distributed import Client, LocalCluster

        self.vectors_path = os.path.abspath(os.fspath(vectors_path))
        self.task = task
        self.cluster = None
        try:
            if address == "local":
                cluster_kwargs.setdefault("n_workers", os.cpu_count() or 1)
                cluster_kwargs.setdefault("threads_per_worker", 1)
                cluster_kwargs.setdefault("processes", True)
                cluster_kwargs.setdefault("dashboard_address", None)
                self.cluster = LocalCluster(**cluster_kwargs)
                self.client = Client(self.cluster)
            else:
                self.client = Client(address)  # waits distributed.comm.timeouts.connect
        except (OSError, TimeoutError) as e:
            if self.cluster is not None:
                self.cluster.close()
            raise ClusterError(f"Dask cluster {address}: cannot connect ({e})") from None
        workers = len(self.client.scheduler_info().get("workers", {}))
        self.window = window or 2 * max(1, workers)

    def submit(self, texts):
        return self.client.submit(score_chunk, self.vectors_path, self.task, texts, pure=False)

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
