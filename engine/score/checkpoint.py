"""Checkpoints of a scoring run, and the lock that keeps two runs off one output.

Before the output is opened, a first checkpoint records that nothing is written yet; after
each flushed chunk a sidecar ``OUTPUT.engine-checkpoint`` (JSON, written to a temporary
name and renamed) records the job, the input rows consumed, the rows written and the output's
byte length (Parquet: the number of finished part files). A resumed run truncates the output to
that length and skips that many input rows, so a run killed at any moment and resumed writes
each row exactly once.
"""

import json
import os

from ..errors import EngineError

__all__ = [
    "CHECKPOINT_SUFFIX",
    "FINISHED",
    "save_start",
    "VERSION",
    "load_checkpoint",
    "lock_output",
    "resume_state",
    "save_checkpoint",
    "unlock_output",
]

CHECKPOINT_SUFFIX = ".engine-checkpoint"
VERSION = 1
#: what ``resume_state`` returns for an output whose run already finished
FINISHED = {"finished": True}


def save_checkpoint(path, state):
    """Write ``state`` to ``path`` durably (fsync) and atomically (a temporary file renamed)."""
    _write_json(path, state)


def _write_json(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path, job):
    """The state saved at ``path`` for ``job`` (None if there is none; an error for another job)."""
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        raise EngineError(
            f"{path}: the checkpoint is damaged; delete it and the output to start again"
        ) from None
    if not isinstance(state, dict) or not _counts_ok(state):
        raise EngineError(f"{path}: the checkpoint is damaged; delete it and the output to start again")
    if state.get("version") != VERSION or state.get("job") != job:
        raise EngineError(
            f"{path}: the checkpoint was written by a different job (input, vectors, task or "
            f"fields differ); run without --resume to start again"
        )
    return state


def _counts_ok(state):
    """The checkpoint's counts are non-negative integers (``offset`` or ``parts``, one at least)."""
    keys = ("consumed", "rows", "skipped")
    pos = [k for k in ("offset", "parts") if k in state]
    return all(type(state.get(k)) is int and state[k] >= 0 for k in (*keys, *pos))


def save_start(path, job, out_fmt):
    """The first checkpoint of a run, before its output is opened: nothing written yet.

    A run killed before its first chunk's checkpoint (even with rows of it in the output)
    then resumes from the start instead of finding an output without a checkpoint.
    """
    done = {"parts": 0} if out_fmt == "parquet" else {"offset": 0}
    _write_json(path, {"version": VERSION, "job": job, "consumed": 0, "rows": 0, "skipped": 0, **done})


def resume_state(output, out_fmt, ckpt_path, job):
    """The checkpoint to resume ``output`` from, checked against the output on disk; None to start
    afresh; :data:`FINISHED` when the output is there without a checkpoint (nothing to resume)."""
    state = load_checkpoint(ckpt_path, job)
    if state is None and os.path.exists(output) and os.path.getsize(output) > 0:
        return FINISHED  # the run that wrote it finished (its checkpoint is removed last)
    if (
        state is not None
        and out_fmt != "parquet"
        and state["offset"] > 0
        and (not os.path.exists(output) or os.path.getsize(output) < state["offset"])
    ):
        raise EngineError(f"{output}: shorter than its checkpoint says; cannot resume, start again")
    return state


def lock_output(output):
    """Hold ``OUTPUT.engine-lock`` for the run: two runs writing one output would interleave.

    ``filelock`` takes an OS lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows), so the
    lock works off Linux too and the kernel releases it when a killed run's process ends.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(output + ".engine-lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise EngineError(
            f"{output}: another engine score run is writing it (lock {output}.engine-lock)"
        ) from None
    return lock


def unlock_output(lock):
    """Release and remove a lock taken by :func:`lock_output` (None: nothing to release)."""
    if lock is not None:
        try:  # removed while still held, so no other run can lock the name being unlinked
            os.remove(lock.lock_file)
        except OSError:
            pass
        lock.release()
