"""Batch scoring: a table of texts in, one scored row per text out, in bounded memory.

The job ``engine score`` runs, as a library::

    >>> import engine, engine.score as sc, json, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> src, out = os.path.join(d, "in.jsonl"), os.path.join(d, "out.csv")
    >>> with open(src, "w") as f:
    ...     _ = f.write('{"id": 1, "text": "the apple and the pear"}\\n{"id": 2, "text": "a fast car"}\\n')
    >>> summary = sc.score_file(src, out, engine.datasets.default_path(), sc.Neighbors(k=3),
    ...                         id_field="id")
    >>> summary.rows, open(out).readline().strip()
    (2, 'id,neighbors,similarities')

Input and output are JSON Lines, CSV, TSV (the stdlib ``csv`` rules with a tab) or Parquet
(``engine[parquet]``), and the input may also be plain text (one text per line), chosen by
extension or named; ``-`` is standard input or output. The
input is read ``batch_size`` rows at a time; each chunk is scored with the same in-memory call
as :func:`score_texts` (from a file: on a second thread, while the next chunk is read and the
last one written), then written, flushed and checkpointed in input order. Memory is therefore the vectors
(memory-mapped: pages the kernels touch) plus O(batch_size) rows (three chunks at most: one
being read, one scored, one written), plus whatever the task holds (the labels; for
``wmd-knn`` the reference corpus).

Checkpoints: after each flushed chunk a sidecar ``OUTPUT.engine-checkpoint`` (JSON, written to
a temporary name and renamed) records the input rows consumed, the rows written and the output's
byte length (Parquet: the number of finished part files in ``OUTPUT.parts/``). ``resume=True``
truncates the output to that length and skips that many input rows, so a run killed at any
moment and resumed writes each row exactly once. The checkpoint is removed when the run ends.

Bad rows (a line that is not JSON or not UTF-8, a missing field, a value that is not text, a CSV
record with the wrong number of fields) raise :class:`BadRowError` naming the file and line
(Parquet: the row) after the rows before it are written, or are skipped and counted
(``on_error="skip"``; the default ``"stop"`` raises).

Modules: ``tasks`` (ZeroShot, Neighbors, WMDNeighbors, score_texts), ``topics`` (Topics: a
gensim LDA model's topics and nearest documents), ``tables`` (formats and
their detection), ``readers`` and ``writers``, ``checkpoint`` (checkpoint and output lock),
``progress``, ``executors`` (local), ``run`` (score_file) and ``dask`` (the Dask executor and
score_dask).
"""

from .checkpoint import CHECKPOINT_SUFFIX
from .progress import Progress
from .readers import BadRowError, iter_texts, open_reader, read_rows
from .run import Summary, score_file
from .tables import FORMATS, INPUT_FORMATS, OUTPUT_FORMATS, detect_format
from .tasks import Neighbors, WMDNeighbors, ZeroShot, score_texts

# loaded on first use: a local zero-shot run needs neither the Dask executor nor engine.topics
_LAZY = {"ClusterError": ".dask", "DaskExecutor": ".dask", "score_dask": ".dask", "Topics": ".topics"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHECKPOINT_SUFFIX",
    "FORMATS",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "BadRowError",
    "ClusterError",
    "DaskExecutor",
    "Neighbors",
    "Progress",
    "Summary",
    "Topics",
    "WMDNeighbors",
    "ZeroShot",
    "detect_format",
    "iter_texts",
    "open_reader",
    "read_rows",
    "score_dask",
    "score_file",
    "score_texts",
]
