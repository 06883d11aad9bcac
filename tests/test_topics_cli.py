"""`engine topics`, `engine score topics` and the demo's topic section."""

import json

import numpy as np
import pytest

import engine
import engine.topics
from engine import score as sc
from engine.cli import main
from engine.datasets import gensim_test_file

QUERIES = ["the australian cricket team won the test", "qqqz xyzzy", "the bank raised interest rates"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("topics")
    lda, dictionary = engine.topics.lee_lda()
    lda.save(str(d / "lee.lda"))
    dictionary.save_as_text(str(d / "lee.dict"))
    (d / "queries.txt").write_text("\n".join(QUERIES) + "\n")
    with open(gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        corpus = f.read().splitlines()
    (d / "corpus.txt").write_text("\n".join(corpus) + "\n")
    space = engine.TopicSpace(lda, dictionary, init="mean")
    return dict(dir=d, model=str(d / "lee.lda"), space=space, corpus=corpus)


def test_show_infer_and_knn(files, capsys):
    d = files["dir"]
    assert main(["topics", "show", files["model"], "--words", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == files["space"].num_topics and lines[0].startswith("topic 0: ")
    assert (
        main(["topics", "infer", files["model"], str(d / "queries.txt"), "--dictionary", str(d / "lee.dict")])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    ref = files["space"].document_topics(QUERIES)
    for line, topics in zip(out, ref):
        best = max(topics, key=lambda tp: (tp[1], -tp[0]))
        assert line.split("\t")[1].split()[0] == f"{best[0]}:{best[1]:.4f}"
    assert (
        main(["topics", "knn", files["model"], str(d / "queries.txt"), str(d / "corpus.txt"), "-k", "2"]) == 0
    )
    out = capsys.readouterr().out
    res = files["space"].index(files["corpus"]).knn(QUERIES, k=2)
    assert f"  1\t{res.indices[0, 0]}\t{res.distances[0, 0]:.6f}\t" in out
    assert "3 queries over 300 documents" in out


def test_cli_errors_exit_2(files, tmp_path, capsys):
    assert main(["topics", "show", str(tmp_path / "missing.lda")]) == 2
    assert "no such file" in capsys.readouterr().err
    d = files["dir"]
    assert (
        main(["topics", "knn", files["model"], str(d / "queries.txt"), str(d / "corpus.txt"), "-k", "0"]) == 2
    )
    assert "k must be" in capsys.readouterr().err


def test_score_topics_in_memory_and_from_files(files, tmp_path):
    task = sc.Topics(files["model"], top=2, corpus=str(files["dir"] / "corpus.txt"), k=3)
    got = sc.score_texts(None, task, QUERIES)
    p = files["space"].transform(QUERIES)
    for row, topics, probs in zip(p, got["topics"], got["probabilities"]):
        order = sorted(np.flatnonzero(row).tolist(), key=lambda t: (-row[t], t))[:2]
        assert topics == order and probs == [float(row[t]) for t in order]
    res = files["space"].index(files["corpus"]).knn(QUERIES, k=3)
    assert got["neighbors"] == res.indices.tolist() and got["distances"] == res.distances.tolist()
    out = tmp_path / "out.jsonl"
    args = ["score", "topics", str(files["dir"] / "queries.txt"), "-o", str(out), "--model", files["model"]]
    assert (
        main([*args, "--corpus", str(files["dir"] / "corpus.txt"), "-k", "3", "--top", "2", "--quiet"]) == 0
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["topics"] for r in rows] == got["topics"] and [r["neighbors"] for r in rows] == got["neighbors"]
    assert list(rows[0]) == ["topics", "probabilities", "neighbors", "distances"]


def test_score_topics_parameters_are_checked(files, capsys):
    with pytest.raises(engine.EngineError, match="topics: top must be"):
        sc.Topics(files["model"], top=0)
    with pytest.raises(engine.EngineError, match="measure must be one of"):
        sc.Topics(files["model"], measure="l2")
    assert sc.Topics(files["model"]).columns() == [("topics", "list<id>"), ("probabilities", "list<float>")]
    q = str(files["dir"] / "queries.txt")
    assert main(["score", "topics", q, "--model", files["model"], "--minimum-probability", "2"]) == 2
    assert "minimum_probability" in capsys.readouterr().err


def test_demo_section_runs(capsys):
    from engine.demo import topics

    topics(None)
    out = capsys.readouterr().out
    assert "nearest of 300 articles" in out and "E-step of the 300 articles" in out
