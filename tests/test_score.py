"""`engine score`: formats, order, ids, resume after a kill, bad rows, exit codes, progress."""

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import engine
from engine import score as sc
from engine.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMATS = ["jsonl", "csv", "tsv", "parquet"]
TASK = sc.Neighbors(k=3)


@pytest.fixture(scope="module")
def vpath():
    return engine.datasets.default_path()


@pytest.fixture(scope="module")
def vectors(vpath):
    return engine.load(vpath, mmap=True)


@pytest.fixture(scope="module")
def rows(vectors):
    """Texts of real words with ids; some with unknown words only, punctuation, non-ASCII, empty."""
    rng = random.Random(7)
    words = vectors.index_to_key[:4000]
    out = []
    for i in range(120):
        t = " ".join(rng.choices(words, k=rng.randint(1, 12)))
        if i % 17 == 0:
            t = "zzqx blorf"  # no known word
        elif i % 19 == 0:
            t = f"Café, {t}! «ok»"
        elif i % 23 == 0:
            t = ""
        elif i % 29 == 0:
            t = t + '\n"quoted", with\ttab'  # CSV/TSV must quote it
        out.append({"id": f"doc-{i}", "text": t})
    return out


def write_table(path, fmt, records, fields=("id", "text")):
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps({k: r[k] for k in fields if k in r}) + "\n")
    elif fmt in ("csv", "tsv"):
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
            w.writerow(fields)
            for r in records:
                w.writerow([r.get(k, "") for k in fields])
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        ids = [str(r["id"]) for r in records]  # one Arrow type per column
        pq.write_table(pa.table({"id": ids, "text": [r["text"] for r in records]}), path, row_group_size=50)


def read_table(path, fmt, columns):
    """Rows of an output table as dicts of Python values (CSV/TSV lists decoded from JSON)."""
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t" if fmt == "tsv" else ",")
        assert reader.fieldnames == columns
        out = []
        for r in reader:
            out.append(
                {
                    k: (
                        json.loads(v)
                        if k not in ("id", "label") and v.startswith("[")
                        else (float(v) if k in ("score",) or k.startswith("p_") else v)
                    )
                    for k, v in r.items()
                }
            )
        return out


def expected_rows(vectors, records, task=TASK, id_as=None):
    cols = sc.score_texts(vectors, task, [r["text"] for r in records])
    out = []
    for i, r in enumerate(records):
        row = {"id": id_as(r["id"]) if id_as else r["id"]}
        row.update({name: cols[name][i] for name, _ in task.columns()})
        out.append(row)
    return out


def test_in_memory_neighbors_match_a_numpy_reference(vectors, rows):
    texts = [r["text"] for r in rows[:60]]
    got = sc.score_texts(vectors, sc.Neighbors(k=4), texts)
    from engine._text import tokenize

    unit = np.asarray(vectors.unit, dtype=np.float64)
    for t, nb, sims in zip(texts, got["neighbors"], got["similarities"]):
        ids = [vectors.key_to_index[w] for w in tokenize(t) if w in vectors.key_to_index]
        if not ids:
            assert nb == [] and sims == []
            continue
        q = unit[ids].sum(0)
        q /= np.linalg.norm(q)
        ref = unit @ q
        np.testing.assert_allclose(sims, ref[vectors.ids(nb)], atol=2e-5)
        assert sims[0] == pytest.approx(ref.max(), abs=2e-5)
        assert sims == sorted(sims, reverse=True)
        assert sims[-1] >= np.sort(ref)[-4] - 2e-5


@pytest.mark.parametrize("out_fmt", FORMATS)
@pytest.mark.parametrize("in_fmt", FORMATS)
def test_round_trip_every_format_keeps_order_and_ids(tmp_path, vpath, vectors, rows, in_fmt, out_fmt):
    src, out = tmp_path / f"in.{in_fmt}", tmp_path / f"out.{out_fmt}"
    write_table(src, in_fmt, rows)
    s = sc.score_file(str(src), str(out), vpath, TASK, id_field="id", batch_size=64)
    assert (s.rows, s.skipped) == (len(rows), 0)
    assert read_table(out, out_fmt, ["id", "neighbors", "similarities"]) == expected_rows(vectors, rows)
    assert not os.path.exists(str(out) + sc.CHECKPOINT_SUFFIX)
    assert not os.path.exists(str(out) + ".parts")


@pytest.mark.parametrize("out_fmt", ["jsonl", "parquet"])
def test_integer_ids_stay_integers(tmp_path, vpath, vectors, rows, out_fmt):
    src, out = tmp_path / "in.jsonl", tmp_path / f"out.{out_fmt}"
    ints = [dict(r, id=i * 10) for i, r in enumerate(rows)]
    write_table(src, "jsonl", ints)
    sc.score_file(str(src), str(out), vpath, TASK, id_field="id", batch_size=100)
    assert read_table(out, out_fmt, None) == expected_rows(vectors, ints)


def test_parquet_output_needs_one_id_type(tmp_path, vpath, rows):
    src = tmp_path / "in.jsonl"
    mixed = [dict(r, id=i if i % 2 else str(i)) for i, r in enumerate(rows)]
    write_table(src, "jsonl", mixed)
    for batch in (1, 100):  # the type changes between chunks, or within the first one
        with pytest.raises(engine.EngineError, match="one type per column"):
            sc.score_file(str(src), str(tmp_path / "o.parquet"), vpath, TASK, id_field="id", batch_size=batch)


def test_stdin_to_stdout(tmp_path, vectors, rows, monkeypatch, capsysbinary):
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["score", "neighbors", "-", "--k", "3", "--id-field", "id", "--batch-size", "50"]) == 0
    out = capsysbinary.readouterr()
    got = [json.loads(line) for line in out.out.decode().splitlines()]
    assert got == expected_rows(vectors, rows)
    assert b"120 rows written" in out.err and b"\r" not in out.err  # summary, no bar when piped


def test_neighbors_of_words(tmp_path, vpath, vectors):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_table(src, "jsonl", [{"id": 1, "text": "apple apple car xyzzy"}, {"id": 2, "text": "qqq"}])
    task = sc.Neighbors(k=2, of="words")
    sc.score_file(str(src), str(out), vpath, task, id_field="id")
    got = read_table(out, "jsonl", None)
    assert got[0]["words"] == ["apple", "car"] and got[1] == {
        "id": 2,
        "words": [],
        "neighbors": [],
        "similarities": [],
    }
    ref = vectors.most_similar_batch(["apple", "car"], topn=2)
    assert got[0]["neighbors"] == [[w for w, _ in r] for r in ref]
    assert "apple" not in got[0]["neighbors"][0] and "car" not in got[0]["neighbors"][1]


def test_zeroshot_labels_match_the_classifier(tmp_path, vpath, vectors, rows, capsys):
    labels = {
        "food": "food meal cooking fruit",
        "travel": "travel car road city",
        "people": "people family friends",
    }
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    src, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    write_table(src, "csv", rows)
    assert (
        main(
            [
                "score",
                "zeroshot",
                str(src),
                "-o",
                str(out),
                "--labels",
                str(tmp_path / "labels.json"),
                "--all-scores",
                "--id-field",
                "id",
                "--vectors",
                vpath,
                "--batch-size",
                "1000",
            ]
        )
        == 0
    )
    got = read_table(out, "jsonl", None)
    clf = engine.ZeroShotClassifier(vectors, labels)
    texts = [r["text"] for r in rows]
    proba = clf.predict_proba(texts)
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    assert [g["label"] for g in got] == clf.predict(texts).tolist()
    assert [g["score"] for g in got] == proba.max(axis=1).tolist()
    for j, name in enumerate(clf.classes_):
        assert [g[f"p_{name}"] for g in got] == proba[:, j].tolist()
    assert list(got[0]) == ["id", "label", "score", "p_food", "p_travel", "p_people"]


def test_wmd_knn_matches_brute_force_distances(tmp_path, vpath, vectors):
    corpus = [
        "the cat sat on the mat",
        "a dog runs in the park",
        "stock market prices fell",
        "the football team won the game",
        "xyzzy qqq",
        "my cat sleeps on a sofa",
    ]
    (tmp_path / "corpus.csv").write_text("cid,body\n" + "".join(f"c{i},{t}\n" for i, t in enumerate(corpus)))
    queries = [
        {"id": 1, "text": "a cat on the sofa"},
        {"id": 2, "text": "zzzz"},
        {"id": 3, "text": "the team played"},
    ]
    src, out = tmp_path / "q.jsonl", tmp_path / "out.parquet"
    write_table(src, "jsonl", queries)
    assert (
        main(
            [
                "score",
                "wmd-knn",
                str(src),
                "-o",
                str(out),
                "--corpus",
                str(tmp_path / "corpus.csv"),
                "--corpus-text-field",
                "body",
                "--corpus-id-field",
                "cid",
                "--k",
                "3",
                "--id-field",
                "id",
                "--vectors",
                vpath,
            ]
        )
        == 0
    )
    got = read_table(out, "parquet", None)
    wmd = engine.WMD(vectors)
    for q, g in zip(queries, got):
        d = [wmd.distance(q["text"], c) for c in corpus]
        best = sorted((x, j) for j, x in enumerate(d) if np.isfinite(x))[:3]
        assert g["id"] == q["id"]
        assert g["neighbors"] == [f"c{j}" for _, j in best]
        np.testing.assert_allclose(g["distances"], [x for x, _ in best], rtol=1e-9, atol=1e-9)
    assert got[1]["neighbors"] == [] and got[1]["distances"] == []


# ---------------------------------------------------------------- resume
def _interrupt_after(monkeypatch, n_checkpoints):
    """Make the run die right after chunk ``n_checkpoints + 1`` is written but before its
    checkpoint: the worst moment (rows in the output that no checkpoint covers)."""
    real = sc._save_checkpoint
    calls = {"n": 0}

    def flaky(path, state):
        calls["n"] += 1
        if calls["n"] > n_checkpoints:
            raise KeyboardInterrupt
        real(path, state)

    monkeypatch.setattr(sc, "_save_checkpoint", flaky)
    return lambda: monkeypatch.setattr(sc, "_save_checkpoint", real)


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


def test_resume_refuses_a_different_job_and_a_finished_output(tmp_path, vpath, rows, monkeypatch, capsys):
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
    assert main(args + ["--k", "3"]) == 2
    assert "nothing to resume" in capsys.readouterr().err


# ---------------------------------------------------------------- bad rows
BAD_JSONL = [
    (b'{"id": 1, "text": "apple pie"}', None),
    (b"{not json", "not valid JSON"),
    (b'["a", "list"]', "expected a JSON object, found list"),
    (b"", None),  # a blank line is not a row
    (b'{"id": 4, "body": "no text field"}', "no field 'text'"),
    (b'{"id": 5, "text": 42}', "field 'text' is not text (int)"),
    (b'{"id": 6, "text": "caf\xe9 latin-1"}', "not valid UTF-8"),
    (b'{"text": "no id"}', "no field 'id'"),
    (b'{"id": 8, "text": "fast car"}', None),
]


def test_bad_jsonl_rows_stop_with_their_line_then_resume_after_a_fix(tmp_path, vpath, capsys):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\n".join(line for line, _ in BAD_JSONL) + b"\n")
    args = [
        "score",
        "neighbors",
        str(src),
        "-o",
        str(out),
        "--vectors",
        vpath,
        "--id-field",
        "id",
        "--k",
        "2",
    ]
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 3
    err = capsys.readouterr().err
    assert f"{src}: line 2: not valid JSON" in err
    assert [json.loads(x)["id"] for x in open(out)] == [1]  # the row before it is written
    fixed = [line for line, msg in BAD_JSONL if msg is None]
    src.write_bytes(b'{"id": 1, "text": "apple pie"}\n{"id": 2, "text": "green tea"}\n' + fixed[-1] + b"\n")
    assert main(args + ["--resume"]) == 0
    assert [json.loads(x)["id"] for x in open(out)] == [1, 2, 8]


def test_bad_jsonl_rows_skipped_and_counted(tmp_path, vpath, capsys):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\n".join(line for line, _ in BAD_JSONL) + b"\n")
    assert (
        main(
            [
                "score",
                "neighbors",
                str(src),
                "-o",
                str(out),
                "--vectors",
                vpath,
                "--id-field",
                "id",
                "--on-error",
                "skip",
                "--batch-size",
                "3",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    for n, (_, msg) in enumerate(BAD_JSONL, 1):
        if msg:
            assert f"line {n}: {msg}" in err
    assert "2 rows written" in err and "6 skipped" in err
    assert [json.loads(x)["id"] for x in open(out)] == [1, 8]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_bad_csv_rows(tmp_path, vpath, fmt):
    d = "\t" if fmt == "tsv" else ","
    src, out = tmp_path / f"in.{fmt}", tmp_path / "out.jsonl"
    src.write_bytes(
        f'id{d}text\n1{d}apple pie\n2{d}"a quoted\nrecord on two lines"\n3{d}too{d}many\n'.encode()
        + f"4{d}caf".encode()
        + b"\xe9\n"
        + f"\n5{d}fast car\n6\n".encode()
    )
    with pytest.raises(sc.BadRowError, match=r"line 5: expected 2 fields as in the header, found 3") as e:
        sc.score_file(str(src), str(out), vpath, TASK, id_field="id")
    assert e.value.line == 5
    s = sc.score_file(
        str(src), str(out), vpath, TASK, id_field="id", on_error="skip", report=(msgs := []).append
    )
    assert (s.rows, s.skipped) == (3, 3)
    assert [m.split(": ", 1)[1] for m in msgs] == [
        "line 5: expected 2 fields as in the header, found 3 (skipped)",
        "line 6: not valid UTF-8 (skipped)",
        "line 9: expected 2 fields as in the header, found 1 (skipped)",
    ]
    assert [json.loads(x)["id"] for x in open(out)] == ["1", "2", "5"]


def test_csv_without_the_text_column_is_a_usage_error(tmp_path, vpath, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,apple\n")
    assert main(["score", "neighbors", str(src), "--vectors", vpath]) == 2
    assert "line 1: no column 'text' in the header (columns: id, body)" in capsys.readouterr().err


def test_bad_parquet_rows(tmp_path, vpath):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src, out = tmp_path / "in.parquet", tmp_path / "out.csv"
    pq.write_table(pa.table({"id": [1, 2, 3, 4], "text": ["apple", None, "car", None]}), src)
    with pytest.raises(sc.BadRowError, match=r"row 2: field 'text' is null"):
        sc.score_file(str(src), str(out), vpath, TASK, id_field="id")
    s = sc.score_file(str(src), str(out), vpath, TASK, id_field="id", on_error="skip")
    assert (s.rows, s.skipped) == (2, 2)
    assert [r["id"] for r in csv.DictReader(open(out))] == ["1", "3"]
    pq.write_table(pa.table({"text": [1, 2]}), src)
    with pytest.raises(sc.BadRowError, match=r"row 1: field 'text' is not text \(int\)"):
        sc.score_file(str(src), str(out), vpath, TASK)
    with pytest.raises(engine.FormatError, match="no column 'body'"):
        sc.score_file(str(src), str(out), vpath, TASK, text_field="body")
    src.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(engine.FormatError, match="not a readable Parquet file"):
        sc.score_file(str(src), str(out), vpath, TASK)


def test_missing_pyarrow_names_the_extra(tmp_path, vpath, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    src = tmp_path / "in.jsonl"
    write_table(src, "jsonl", [{"id": 1, "text": "apple"}])
    with pytest.raises(engine.DependencyError, match=r"engine\[parquet\]"):
        sc.score_file(str(src), str(tmp_path / "o.parquet"), vpath, TASK)


def test_usage_errors_exit_2(tmp_path, vpath, capsys):
    src = tmp_path / "in.txt"
    src.write_text("apple\n")
    assert main(["score", "neighbors", str(src), "--vectors", vpath]) == 2
    assert "--input-format" in capsys.readouterr().err
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
    bar.t0 -= 2.0
    bar.update(5000, 0.25)
    bar.close()
    line = buf.getvalue()
    assert line.startswith("\r[######") and "25.0%" in line and "5,000 rows" in line
    assert "rows/s" in line and "ETA 0:00:0" in line and line.endswith("\n")
    quiet = io.StringIO()
    sc.Progress(stream=quiet).update(10, 0.5, force=True)  # a StringIO is not a terminal
    assert quiet.getvalue() == ""


def test_two_runs_cannot_write_one_output(tmp_path, vpath, rows):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_table(src, "jsonl", rows[:5])
    held = sc._lock(str(out))  # as a running `engine score` holds it
    try:
        with pytest.raises(engine.EngineError, match="another engine score run is writing it"):
            sc.score_file(str(src), str(out), vpath, TASK)
    finally:
        sc._unlock(held)
    assert sc.score_file(str(src), str(out), vpath, TASK).rows == 5
    assert not os.path.exists(str(out) + ".engine-lock")


def test_a_long_text_in_csv_is_one_row(tmp_path, vpath):
    src, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    src.write_text("id,text\n1," + "apple pie " * 30000 + "\n2,car\n")  # 300 kB: over csv's default limit
    assert sc.score_file(str(src), str(out), vpath, TASK, id_field="id").rows == 2


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
