"""`engine classify` and `engine score zeroshot` read texts and labels with the same code, so they
accept the same inputs: every table format, plain text, standard input, and every label form."""

import io
import json
import sys

import numpy as np
import pytest

import engine
from engine.cli import main

TEXTS = ["the team won the match", "bake the bread in the oven", "a late goal for the club"]
LABELS = {
    "descriptions": {"sport": "sport football team", "food": "food bread cooking"},
    "word lists": {"sport": ["sport", "football", "team"], "food": ["food", "bread", "cooking"]},
    "names": ["sport", "food"],
}
# input kind → (file name or "-", bytes, classify's extra arguments, score's extra arguments)
INPUTS = {
    "jsonl": ("t.jsonl", "jsonl", ["--field", "text"], []),
    "csv": ("t.csv", "csv", ["--field", "text"], []),
    "tsv": ("t.tsv", "tsv", ["--field", "text"], []),
    "parquet": ("t.parquet", "parquet", ["--field", "text"], []),
    "plain text": ("t.txt", "text", [], []),
    "stdin, jsonl": ("-", "jsonl", ["--field", "text"], []),
    "stdin, plain text": ("-", "text", [], ["--input-format", "text"]),
}


def _table(fmt, path):
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"id": list(range(len(TEXTS))), "text": TEXTS}), path)
        return None
    if fmt == "jsonl":
        data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(TEXTS))
    elif fmt == "text":
        data = "".join(t + "\n" for t in TEXTS)
    else:
        d = "\t" if fmt == "tsv" else ","
        data = f"id{d}text\n" + "".join(f"{i}{d}{t}\n" for i, t in enumerate(TEXTS))
    if path == "-":
        return data.encode()
    with open(path, "w", encoding="utf-8") as f:
        f.write(data)
    return None


def _run_both(tmp_path, monkeypatch, capsys, kind, labels):
    """(labels, probabilities) written by `engine classify`, then by `engine score zeroshot`."""
    name, fmt, classify_args, score_args = INPUTS[kind]
    src = name if name == "-" else str(tmp_path / name)
    stdin = _table(fmt, src)
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    lab = ["--labels", str(tmp_path / "labels.json")]
    results = []
    for argv in (
        ["classify", src, *lab, *classify_args],
        ["score", "zeroshot", src, *lab, *score_args, "--all-scores", "-o", str(tmp_path / "o.jsonl")],
    ):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        assert main(argv) == 0, capsys.readouterr().err
        results.append(capsys.readouterr().out)
    rows = [r.split("\t") for r in results[0].splitlines()[1:]]
    classified = ([r[0] for r in rows], [[float(x) for x in r[2:]] for r in rows])
    scored = [json.loads(line) for line in open(tmp_path / "o.jsonl")]
    return classified, ([s["label"] for s in scored], [[s["p_sport"], s["p_food"]] for s in scored])


@pytest.mark.parametrize("kind", list(INPUTS))
def test_both_commands_read_every_input_kind(tmp_path, monkeypatch, capsys, kind):
    if kind == "parquet":
        pytest.importorskip("pyarrow")
    (c_labels, c_proba), (s_labels, s_proba) = _run_both(
        tmp_path, monkeypatch, capsys, kind, LABELS["word lists"]
    )
    assert c_labels == s_labels == ["sport", "food", "sport"]
    np.testing.assert_allclose(c_proba, s_proba, atol=1e-6)


@pytest.mark.parametrize("form", list(LABELS))
def test_both_commands_read_every_label_form(tmp_path, monkeypatch, capsys, form):
    (c_labels, c_proba), (s_labels, s_proba) = _run_both(tmp_path, monkeypatch, capsys, "jsonl", LABELS[form])
    assert c_labels == s_labels == ["sport", "food", "sport"]
    np.testing.assert_allclose(c_proba, s_proba, atol=1e-6)
    clf = engine.ZeroShotClassifier(engine.datasets.default_vectors(), LABELS[form]).fit()
    given = [clf.classes_.tolist().index(c) for c in ("sport", "food")]
    np.testing.assert_allclose(s_proba, clf.predict_proba(TEXTS)[:, given], rtol=1e-12)


@pytest.mark.parametrize(
    "bad, message",
    [
        ('{"sport": 3}', "expected a JSON object name → description (or word list)"),
        ('{"sport": ["goal", 3]}', "expected a JSON object"),
        ("[]", "expected a JSON object"),
        ("{nope", "line 1: not valid JSON"),
    ],
)
def test_both_commands_reject_the_same_labels(tmp_path, capsys, bad, message):
    (tmp_path / "labels.json").write_text(bad)
    (tmp_path / "t.txt").write_text("a goal\n")
    lab = ["--labels", str(tmp_path / "labels.json")]
    for argv in (
        ["classify", str(tmp_path / "t.txt"), *lab],
        ["score", "zeroshot", str(tmp_path / "t.txt"), *lab],
    ):
        assert main(argv) == 2
        assert message in capsys.readouterr().err
