"""``engine meta build`` / ``engine meta evaluate`` and the side-by-side evaluation, in-process."""

import numpy as np
import pytest

import engine
from engine import cli
from engine.meta import evaluate_side_by_side


@pytest.fixture()
def two_sources(tmp_path):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(60, 8))
    words = ["king", "queen", "man", "woman", "car", "bus", "apple", "pear"] + [f"w{i}" for i in range(52)]
    a = engine.Vectors(words, base)
    b = engine.Vectors(words[:50], base[:50] @ rng.normal(size=(8, 5)) + 0.1 * rng.normal(size=(50, 5)))
    a.save(tmp_path / "a")
    b.save(tmp_path / "b")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "# word1\tword2\tscore\nking\tqueen\t9\nman\twoman\t8\ncar\tbus\t7\n"
        "apple\tpear\t8\nking\tcar\t1\nqueen\tapple\t2\nw45\tw47\t3\nzzz\tking\t5\n"
    )
    analogies = tmp_path / "questions.txt"
    analogies.write_text(
        ": family\nking queen man woman\nman woman king queen\n: other\ncar bus apple pear\n"
    )
    return tmp_path, str(pairs), str(analogies)


def test_build_saves_and_reports(two_sources, capsys):
    d, _, _ = two_sources
    out = d / "meta"
    assert (
        cli.main(
            [
                "meta",
                "build",
                str(d / "a"),
                str(d / "b"),
                "--method",
                "svd",
                "--dim",
                "6",
                "--weights",
                "2,1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "svd meta-embedding: 60 words × 6 dims" in text and "wrote 60 words" in text
    v = engine.load(out)
    assert v.vector_size == 6 and v.meta["weights"] == pytest.approx([2 / 3, 1 / 3], abs=1e-6)


def test_evaluate_prints_every_source_and_the_result(two_sources, capsys):
    d, pairs, analogies = two_sources
    assert cli.main(["meta", "evaluate", str(d / "a"), str(d / "b"), "--datasets", pairs, analogies]) == 0
    text = capsys.readouterr().out
    table = text.split("-----\n")[-1].strip().splitlines()
    assert len(table) == 3 and table[-1].startswith("meta (conc)")  # two sources, then the result
    assert "pairs.tsv" in text and "questions.txt" in text
    assert "87.5%" in table[0] and "75.0%" in table[1]  # each scored on its own vocabulary


def test_cli_errors_are_one_line(two_sources, capsys):
    d, _, _ = two_sources
    assert (
        cli.main(["meta", "build", str(d / "a"), str(d / "b"), "--weights", "1,x", "--out", str(d / "m")])
        == 2
    )
    assert (
        capsys.readouterr().err.strip()
        == "engine: error: --weights: expected 'auto' or numbers separated by commas, got '1,x'"
    )
    assert (
        cli.main(["meta", "build", str(d / "a"), str(d / "b"), "--weights", "1", "--out", str(d / "m")]) == 2
    )
    assert "1 weights for 2 sources" in capsys.readouterr().err


def test_side_by_side_common_restricts_to_shared_words(two_sources):
    d, pairs, analogies = two_sources
    a, b = engine.load(d / "a"), engine.load(d / "b")
    rows = evaluate_side_by_side({"a": a, "b": b}, [pairs, analogies])
    assert rows[0]["pairs.tsv"][1] == pytest.approx(100 * 7 / 8)  # "zzz" unknown
    assert rows[1]["pairs.tsv"][1] == pytest.approx(100 * 6 / 8)  # b also lacks w45/w47
    common = evaluate_side_by_side({"a": a, "b": b}, [pairs, analogies], common=True)
    assert common[0]["pairs.tsv"][1] == common[1]["pairs.tsv"][1] == 100.0
    spearman = engine.evaluation.evaluate_word_pairs(a, pairs)[1][0]
    assert rows[0]["pairs.tsv"][0] == pytest.approx(spearman)
    assert rows[0]["questions.txt"][1] == 100.0
