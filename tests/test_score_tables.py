"""`engine score` tables: every format in and out, ids, standard input and output, bad rows."""

import csv
import io
import json
import os
import sys

import pytest
from _score_helpers import FORMATS, TASK, expected_rows, make_rows, read_table, write_table

import engine
from engine import score as sc
from engine.cli import main


@pytest.fixture(scope="module")
def vpath():
    return engine.datasets.default_path()


@pytest.fixture(scope="module")
def vectors(vpath):
    return engine.load(vpath, mmap=True)


@pytest.fixture(scope="module")
def rows(vectors):
    return make_rows(vectors)


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
    assert main(["score", "neighbors", str(src), "--vectors", vpath, "--field", "text"]) == 2
    assert "line 1: no column 'text' in the header (columns: id, body)" in capsys.readouterr().err


def test_the_text_field_is_inferred_or_asked_for(tmp_path, vpath, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,apple\n")  # a conventional name: body
    assert main(["score", "neighbors", str(src), "--vectors", vpath, "-k", "1", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["neighbors"] == ["apple"]
    src.write_text("id,title,summary\n1,apple,pear\n")  # two candidates, no conventional name
    assert main(["score", "neighbors", str(src), "--vectors", vpath]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "name it with --field (fields: id, title, summary)" in err
    src.write_text("id,title\n1,apple\n")  # one text column once the id is set aside
    assert main(["score", "neighbors", str(src), "--vectors", vpath, "--id-field", "id", "-k", "1"]) == 0


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


def test_a_long_text_in_csv_is_one_row(tmp_path, vpath):
    src, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    src.write_text("id,text\n1," + "apple pie " * 30000 + "\n2,car\n")  # 300 kB: over csv's default limit
    assert sc.score_file(str(src), str(out), vpath, TASK, id_field="id").rows == 2
