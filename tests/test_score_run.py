"""`engine score` runs: resume after an interruption or a kill, the output lock, progress,
usage errors and exit codes."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from _score_helpers import FORMATS, ROOT, TASK, make_rows, read_table, write_table

import engine
from engine import score as sc
from engine.cli import main
from engine.score import checkpoint


@pytest.fixture(scope="module")
def vpath():
    return engine.datasets.default_path()


@pytest.fixture(scope="module")
def vectors(vpath):
    return engine.load(vpath, mmap=True)


@pytest.fixture(scope="module")
def rows(vectors):
    return make_rows(vectors)


# ---------------------------------------------------------------- resume
def _interrupt_after(monkeypatch, n_checkpoints):
    """Make the run die right after chunk ``n_checkpoints + 1`` is written but before its
    checkpoint: the worst moment (rows in the output that no checkpoint covers)."""
    real = checkpoint.save_checkpoint
    calls = {"n": 0}

    def flaky(path, state):
        calls["n"] += 1
        if calls["n"] > n_checkpoints:
            raise KeyboardInterrupt
        real(path, state)

    monkeypatch.setattr(checkpoint, "save_checkpoint", flaky)
    return lambda: monkeypatch.setattr(checkpoint, "save_checkpoint", real)


@pytest.mark.parametrize("out_fmt", FORMATS)
def test_interrupted_run_resumes_to_exactly_the_uninterrupted_output(
    tmp_path, vpath, rows, monkeypatch, out_fmt
):
    src = tmp_path / "in.jsonl"
    write_table(src, "jsonl", rows)
    full, part = tmp_path / f"full.{out_fmt}", tmp_path / f"part.{out_fmt}"
    sc.score_file(str(src), str(full), vpath, TASK, id_field="id", batch_size=40)
    restore = _interrupt_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        sc.score_file(str(src), str(part), vpath, TASK, id_field="id", batch_size=40)
    restore()
    state = json.load(open(str(part) + sc.CHECKPOINT_SUFFIX))
    assert (state["consumed"], state["rows"]) == (80, 80)
    if out_fmt != "parquet":  # the third chunk reached the file, past the checkpointed offset
        assert os.path.getsize(part) > state["offset"]
    s = sc.score_file(str(src), str(part), vpath, TASK, id_field="id", batch_size=40, resume=True)
    assert (s.rows, s.resumed_from) == (len(rows), 80)
    assert (
        open(part, "rb").read() == open(full, "rb").read()
        if out_fmt != "parquet"
        else read_table(part, "parquet", None) == read_table(full, "parquet", None)
    )
    assert not os.path.exists(str(part) + sc.CHECKPOINT_SUFFIX)


def test_sigkill_midway_then_resume_gives_every_row_once(tmp_path, vpath, rows):
    """A real `engine score` process killed with SIGKILL while it waits for input, resumed."""
    src, full, out = tmp_path / "in.jsonl", tmp_path / "full.csv", tmp_path / "out.csv"
    write_table(src, "jsonl", rows)
    lines = open(src, "rb").read().splitlines(keepends=True)
    cmd = [
        sys.executable,
        "-m",
        "engine",
        "score",
        "neighbors",
        "-",
        "-o",
        str(out),
        "--k",
        "3",
        "--id-field",
        "id",
        "--batch-size",
        "30",
        "--vectors",
        vpath,
    ]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    p.stdin.write(b"".join(lines[:100]))  # three whole chunks and part of a fourth
    p.stdin.flush()
    ckpt = str(out) + sc.CHECKPOINT_SUFFIX
    deadline = time.time() + 60
    while time.time() < deadline:
        assert p.poll() is None, p.stderr.read().decode()
        if os.path.exists(ckpt) and json.load(open(ckpt))["consumed"] == 90:
            break
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    assert json.load(open(ckpt))["rows"] == 90
    r = subprocess.run(cmd + ["--resume"], input=b"".join(lines), capture_output=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert b"resumed after 90" in r.stderr
    sc.score_file(str(src), str(full), vpath, TASK, id_field="id", batch_size=30)
    assert open(out, "rb").read() == open(full, "rb").read()


def test_resume_refuses_a_different_job_and_leaves_a_finished_output(
    tmp_path, vpath, rows, monkeypatch, capsys
):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_table(src, "jsonl", rows)
    restore = _interrupt_after(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        sc.score_file(str(src), str(out), vpath, TASK, batch_size=40)
    restore()
    args = [
        "score",
        "neighbors",
        str(src),
        "-o",
        str(out),
        "--vectors",
        vpath,
        "--batch-size",
        "40",
        "--resume",
    ]
    assert main(args + ["--k", "5"]) == 2
    assert "different job" in capsys.readouterr().err
    assert main(args + ["--k", "3"]) == 0
    done = open(out, "rb").read()
    capsys.readouterr()
    assert main(args + ["--k", "3"]) == 0  # finished: nothing to do, the output left as it is
    assert "nothing to resume" in capsys.readouterr().err
    assert open(out, "rb").read() == done


def test_usage_errors_exit_2(tmp_path, vpath, capsys):
    src = tmp_path / "in.dat"
    src.write_text("apple\n")
    assert main(["score", "neighbors", str(src), "--vectors", vpath]) == 2
    assert "--format" in capsys.readouterr().err
    for bad in (["--batch-size", "0"], ["--k", "0"]):
        assert main(["score", "neighbors", str(src), "--input-format", "text", "--vectors", vpath, *bad]) == 2
        assert "must be an int in [1, inf), got 0" in capsys.readouterr().err
    assert main(["score", "neighbors", str(tmp_path / "missing.jsonl"), "--vectors", vpath]) == 2
    labels = tmp_path / "labels.json"
    labels.write_text('{"sport": 3}')
    assert main(["score", "zeroshot", "-", "--labels", str(labels), "--vectors", vpath]) == 2
    assert "expected" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["score", "neighbors"])
    assert e.value.code == 2


def test_progress_bar_shows_rate_and_eta():
    buf = io.StringIO()
    bar = sc.Progress(stream=buf, enabled=True, interval=0)
    bar.update(5000, 0.25)
    time.sleep(0.05)
    bar.update(10000, 0.5)
    drawn = buf.getvalue()
    bar.close()
    assert "50%" in drawn and "10000/20000" in drawn  # the total projected from the input's fraction
    assert re.search(r"\d+(\.\d+)?k?row/s", drawn) and re.search(r"<00:0\d", drawn)  # rate, ETA
    quiet = io.StringIO()
    sc.Progress(stream=quiet).update(10, 0.5, force=True)  # a StringIO is not a terminal
    assert quiet.getvalue() == ""


def test_two_runs_cannot_write_one_output(tmp_path, vpath, rows):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_table(src, "jsonl", rows[:5])
    held = checkpoint.lock_output(str(out))  # as a running `engine score` holds it
    try:
        with pytest.raises(engine.EngineError, match="another engine score run is writing it"):
            sc.score_file(str(src), str(out), vpath, TASK)
    finally:
        checkpoint.unlock_output(held)
    assert sc.score_file(str(src), str(out), vpath, TASK).rows == 5
    assert not os.path.exists(str(out) + ".engine-lock")


def test_ctrl_c_exits_130_and_resume_finishes(tmp_path, vpath, rows, monkeypatch, capsys):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_table(src, "jsonl", rows)
    args = [
        "score",
        "neighbors",
        str(src),
        "-o",
        str(out),
        "--vectors",
        vpath,
        "--k",
        "3",
        "--batch-size",
        "50",
    ]
    restore = _interrupt_after(monkeypatch, 1)
    with pytest.raises(SystemExit) as e:
        main(args)
    restore()
    assert e.value.code == 130 and "--resume" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    assert "resumed after 50" in capsys.readouterr().err
    assert len(open(out).readlines()) == len(rows)


def test_parquet_crash_after_the_merge_resumes_to_the_same_file(tmp_path, vpath, rows, monkeypatch):
    """Killed after the parts were merged into the output but before the checkpoint went away."""
    src, out, full = tmp_path / "in.jsonl", tmp_path / "out.parquet", tmp_path / "full.parquet"
    write_table(src, "jsonl", rows)
    sc.score_file(str(src), str(full), vpath, TASK, id_field="id", batch_size=50)

    real_remove = os.remove
    monkeypatch.setattr(
        os,
        "remove",
        lambda p: (
            (_ for _ in ()).throw(KeyboardInterrupt) if p.endswith(sc.CHECKPOINT_SUFFIX) else real_remove(p)
        ),
    )
    with pytest.raises(KeyboardInterrupt):
        sc.score_file(str(src), str(out), vpath, TASK, id_field="id", batch_size=50)
    monkeypatch.undo()
    assert os.path.exists(str(out) + sc.CHECKPOINT_SUFFIX) and os.path.isdir(str(out) + ".parts")
    s = sc.score_file(str(src), str(out), vpath, TASK, id_field="id", batch_size=50, resume=True)
    assert s.rows == len(rows)
    assert read_table(out, "parquet", None) == read_table(full, "parquet", None)
    assert not os.path.exists(str(out) + ".parts")
