"""The scoring run: a table of texts in, one scored row per text out, streaming and resumable.

The input is read ``batch_size`` rows at a time; each chunk is submitted to an executor (a
second thread when reading a file, so scoring overlaps reading and writing), then written,
flushed and checkpointed in input order. Memory is the vectors plus at most three chunks (one
read, one scored, one written), plus whatever the task holds.
"""

import os
import time
from dataclasses import dataclass
from numbers import Integral

from .._params import Interval, Options, validate_params
from .._safe_files import WRITE_ERRNOS, disk_errors
from ..errors import EngineError
from . import checkpoint
from .checkpoint import CHECKPOINT_SUFFIX, lock_output, unlock_output
from .executors import Done, local_executor
from .progress import Progress, rate
from .readers import BadRowError, is_regular, open_reader, resolve_text_field, where
from .tables import detect_format
from .tasks import check_columns
from .writers import open_writer

__all__ = ["Summary", "score_file"]

_MAX_REPORTED = 20  # bad rows reported one by one; the rest are only counted
_DISK_NOTE = "the rows up to the last checkpoint are kept; make room and run again with --resume"


@dataclass
class Summary:
    """What a run did: ``rows`` written, ``skipped`` bad rows, ``resumed_from`` rows already
    written before this run, ``seconds`` and ``rows_per_second`` of this run."""

    rows: int
    skipped: int
    resumed_from: int
    seconds: float
    output: str
    finished_before: bool = False  # --resume of a finished run: nothing done, the output untouched

    @property
    def rows_per_second(self):
        return (self.rows - self.resumed_from) / self.seconds if self.seconds > 0 else 0.0

    def line(self):
        if self.finished_before:
            return (
                f"engine score: {self.output} is complete (no checkpoint): nothing to resume, left as it is"
            )
        resumed = f", resumed after {self.resumed_from:,}" if self.resumed_from else ""
        return (
            f"engine score: {self.rows:,} rows written to {self.output}, {self.skipped:,} skipped"
            f"{resumed}; {self.seconds:.1f} s, {rate(self.rows_per_second)} rows/s"
        )


@validate_params(on_error=[Options(("stop", "skip"))], batch_size=[Interval(Integral, 1, None)])
def score_file(
    input,
    output,
    vectors,
    task,
    *,
    text_field="text",
    id_field=None,
    input_format=None,
    output_format=None,
    batch_size=10000,
    resume=False,
    on_error="stop",
    progress=False,
    report=None,
    executor=None,
):
    """Score every row of the table ``input`` into the table ``output``, streaming.

    Parameters
    ----------
    input, output : str
        Paths (``-``: standard input / output). Formats by extension or ``input_format`` /
        ``output_format`` (``"jsonl"``, ``"csv"``, ``"tsv"``, ``"parquet"``; plain ``"text"``,
        one text per line, for the input).
    vectors : str
        Path of the vectors; loaded memory-mapped when in engine's format.
    task : ZeroShot, Neighbors or WMDNeighbors
    text_field, id_field : str
        The column holding the text (None: a column named ``text``, ``body``, ``content``, ...,
        else the only text column; ``engine.score.readers.text_field_of``), and one passed
        through to the output (first column).
    batch_size : int
        Rows read, scored and written at a time; memory is O(batch_size) rows beside the vectors
        (at most three chunks: one read, one scored, one written).
    resume : bool
        Continue from ``output``'s checkpoint (``engine.score.checkpoint``).
    on_error : {"stop", "skip"}
        A bad row raises :class:`BadRowError` (after the rows before it are written and
        checkpointed), or is skipped and counted.
    progress : bool or Progress
        Show a progress bar on stderr.
    report : callable(str), optional
        Called with a message for each skipped row (the first 20, then once more).
    executor : optional
        Where chunks are scored (``engine.score.DaskExecutor``); default: a second thread
        of this process, overlapping with reading and writing (inline when reading a pipe).

    Returns
    -------
    Summary

    Examples
    --------
    >>> import engine, engine.score as sc, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> src, out = os.path.join(d, "in.txt"), os.path.join(d, "out.jsonl")
    >>> _ = open(src, "w").write("the apple and the pear\\na fast car\\n")
    >>> sc.score_file(src, out, engine.datasets.default_path(), sc.Neighbors(k=3)).rows
    2
    """
    run = _Run(input, output, vectors, task, text_field, id_field, input_format, output_format)
    if not run.open(resume):
        return Summary(0, 0, 0, 0.0, output, finished_before=True)
    bar = progress if isinstance(progress, Progress) else Progress(enabled=bool(progress))
    return run.execute(batch_size, on_error, bar, report, executor)


class _Run:
    """One run of :func:`score_file`: its job, lock, checkpoint, reader, writer and executor."""

    def __init__(self, input, output, vectors, task, text_field, id_field, input_format, output_format):
        self.in_fmt = detect_format(input, input_format, "input")
        self.out_fmt = detect_format(output, output_format, "output")
        if output != "-" and input != "-" and os.path.abspath(input) == os.path.abspath(output):
            raise EngineError(f"{output}: the output would overwrite the input")
        self.columns = ([(id_field, "id")] if id_field else []) + task.columns()
        names = [name for name, _ in self.columns]
        if len(set(names)) != len(names):
            raise EngineError(f"the id field {id_field!r} has the name of an output column; rename it")
        self.input, self.output, self.vectors, self.task = input, output, vectors, task
        text_field = resolve_text_field(input, self.in_fmt, text_field, id_field)
        self.text_field, self.id_field = text_field, id_field
        self.ckpt_path = None if output == "-" else output + CHECKPOINT_SUFFIX
        self.job = {  # what a checkpoint must match to be resumed
            "input": "-" if input == "-" else os.path.abspath(input),
            "input_format": self.in_fmt,
            "output_format": self.out_fmt,
            "vectors": os.path.abspath(os.fspath(vectors)),
            "task": repr(task),
            "text_field": text_field,
            "id_field": id_field,
        }

    def open(self, resume):
        """Take the output's lock and the checkpoint to resume from, then open the input; False
        (and nothing held) when resuming an output whose run already finished."""
        if resume and self.ckpt_path is None:
            raise EngineError("--resume needs an output file (not standard output)")
        self.lock = lock_output(self.output) if self.ckpt_path else None
        try:
            self.state = (
                checkpoint.resume_state(self.output, self.out_fmt, self.ckpt_path, self.job)
                if resume
                else None
            )
            if self.state is checkpoint.FINISHED:
                unlock_output(self.lock)
                return False
            if not resume and self.ckpt_path and os.path.exists(self.ckpt_path):
                os.remove(self.ckpt_path)  # a crashed run's checkpoint no longer describes the output
            self.reader = open_reader(self.input, self.in_fmt, self.text_field, self.id_field)
        except BaseException:
            unlock_output(self.lock)
            raise
        return True

    def execute(self, batch_size, on_error, bar, report, executor):
        """Read, score, write and checkpoint every chunk; release everything at the end."""
        t0 = time.perf_counter()
        self.bar, self.report, self.writer, self.executor = bar, report, None, executor
        try:
            if executor is None:
                from ..io import load

                score = self.task.scorer(load(self.vectors, mmap=True))
                self.executor = local_executor(score, is_regular(self.reader.f))
            state = self.state or {"consumed": 0, "rows": 0, "skipped": 0}
            with disk_errors(self.output, "write", _DISK_NOTE, WRITE_ERRNOS):
                if self.ckpt_path and self.state is None:
                    checkpoint.save_start(self.ckpt_path, self.job, self.out_fmt)
                self.writer = open_writer(
                    self.output, self.out_fmt, self.columns, self.state, getattr(self.reader, "id_type", None)
                )
                self.rows, self.skipped, self.resumed_from = state["rows"], state["skipped"], state["rows"]
                try:
                    self._stream(batch_size, on_error, state["consumed"])
                except OSError as e:
                    if self.writer is not None and e.errno in WRITE_ERRNOS:
                        self.writer.rollback()
                    raise
                self._finish()
            return Summary(self.rows, self.skipped, self.resumed_from, time.perf_counter() - t0, self.output)
        finally:
            self._close(own_executor=executor is None)

    def _stream(self, batch_size, on_error, consumed):
        """Submit chunks as they are read and write them in order; a bad row may stop the run."""
        self.pending, self.reported = [], 0  # chunks submitted and not yet written, oldest first
        stop = None
        for ch in _chunks(self.reader, batch_size, consumed, self.skipped, on_error):
            stop = self._bad_rows(ch, on_error)
            self.skipped = ch.skipped
            empty = {name: [] for name, _ in self.task.columns()}
            self.pending.append((ch, self.executor.submit(ch.texts) if ch.texts else Done(empty)))
            self._drain(self.executor.window)
            if stop is not None:
                break
        self._drain(0)
        self.bar.update(self.rows - self.resumed_from, self.reader.fraction(), force=True)
        if stop is not None:
            raise stop

    def _bad_rows(self, ch, on_error):
        """The error that stops the run (``on_error="stop"``), or None after reporting skips."""
        stop = None
        for line, msg in ch.bad:
            where_ = f"{self.reader.name}: {where(self.reader, line)}: {msg}"
            if on_error == "stop":
                stop = BadRowError(where_, line)
                continue
            self.reported += 1
            if self.report is not None and self.reported <= _MAX_REPORTED:
                self.report(f"{where_} (skipped)")
            elif self.report is not None and self.reported == _MAX_REPORTED + 1:
                self.report("further bad rows are skipped without a message")
        return stop

    def _drain(self, keep):
        """Write (and checkpoint) the oldest chunks until at most ``keep`` are in flight."""
        while len(self.pending) > keep:
            ch, fut = self.pending.pop(0)
            cols = check_columns(self.task, fut.result(), len(ch.texts))
            if self.id_field:
                cols[self.id_field] = ch.ids
            self.writer.write(cols, len(ch.texts))
            self.rows += len(ch.texts)
            done = self.writer.commit()
            if self.ckpt_path:
                checkpoint.save_checkpoint(
                    self.ckpt_path,
                    {
                        "version": checkpoint.VERSION,
                        "job": self.job,
                        "consumed": ch.consumed,
                        "rows": self.rows,
                        "skipped": ch.skipped,
                        **done,
                    },
                )
            self.bar.update(self.rows - self.resumed_from, self.reader.fraction())

    def _finish(self):
        """Complete the output, then drop the checkpoint and the writer's leftovers (Parquet parts)."""
        self.writer.close(complete=True)
        finished, self.writer = self.writer, None
        if self.ckpt_path and os.path.exists(self.ckpt_path):
            os.remove(self.ckpt_path)
        finished.cleanup()

    def _close(self, own_executor):
        self.bar.close()
        self.reader.close()
        if self.writer is not None:
            self.writer.close(complete=False)
        unlock_output(self.lock)
        if own_executor and self.executor is not None:
            self.executor.close()


class _Chunk:
    __slots__ = ("texts", "ids", "bad", "consumed", "skipped")

    def __init__(self, consumed, skipped):
        self.texts, self.ids, self.bad = [], [], []
        self.consumed, self.skipped = consumed, skipped


def _chunks(reader, batch_size, consumed, skipped, on_error):
    """Group records into chunks of ``batch_size`` input rows; a bad row ends the chunk it is in
    when it stops the run (so the rows before it are still written)."""
    ch = _Chunk(consumed, skipped)
    n = 0
    reader.block = min(batch_size, 4096)  # read no further ahead than the chunk needs (pipes)
    for line, text, id_, err in reader.records(skip=consumed):
        n += 1
        if err is None:
            ch.texts.append(text)
            ch.ids.append(id_)
        elif err:
            ch.bad.append((line, err))
            if on_error == "stop":
                ch.consumed += n - 1  # the bad row is not consumed: a resume starts at it
                yield ch
                return
            ch.skipped += 1
        if n == batch_size:
            ch.consumed += n
            yield ch
            ch = _Chunk(ch.consumed, ch.skipped)
            n = 0
    if n:
        ch.consumed += n
        yield ch
