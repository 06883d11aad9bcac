"""`engine search` on the command line and the demo section."""

import numpy as np
import pytest

import engine
from engine.cli import main


@pytest.fixture(scope="module")
def vectors_dir(tmp_path_factory):
    words = ["apple", "pear", "plum", "car", "bus", "train"]
    vecs = np.array(
        [[1, 0.1, 0], [0.9, 0.2, 0], [0.8, 0.3, 0.1], [0, 1, 0.2], [0.1, 0.9, 0.3], [0, 0.8, 0.5]]
    )
    path = tmp_path_factory.mktemp("v") / "small.engine"
    engine.Vectors(words, vecs).save(str(path))
    return str(path), engine.load(str(path))


def test_search_words_tsv(vectors_dir, capsys):
    path, v = vectors_dir
    assert main(["search", "apple", "car", "--k", "2", "--vectors", path]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    expected = [
        (q, r, w, s) for q in ["apple", "car"] for r, (w, s) in enumerate(v.most_similar(q, topn=2), 1)
    ]
    assert [(q, int(r), w) for q, r, w, _ in lines] == [(q, r, w) for q, r, w, _ in expected]
    np.testing.assert_allclose([float(s) for *_, s in lines], [s for *_, s in expected], atol=1e-6)


def test_search_file(vectors_dir, tmp_path, capsys):
    path, _ = vectors_dir
    f = tmp_path / "queries.txt"
    f.write_text("plum\n\nbus\n")
    assert main(["search", "--file", str(f), "--k", "1", "--vectors", path]) == 0
    assert [line.split("\t")[:3] for line in capsys.readouterr().out.splitlines()] == [
        ["plum", "1", "pear"],
        ["bus", "1", "car"],
    ]


def test_search_errors_exit_2(vectors_dir, capsys):
    path, _ = vectors_dir
    assert main(["search", "zzzmissing", "--vectors", path]) == 2
    assert "zzzmissing" in capsys.readouterr().err
    assert main(["search", "apple", "--k", "0", "--vectors", path]) == 2
    assert "at least 1" in capsys.readouterr().err
    assert main(["search", "--vectors", path]) == 2
    assert "query words" in capsys.readouterr().err


def test_demo_section_runs(capsys):
    from engine.demo import search

    search(engine.datasets.default_vectors())
    out = capsys.readouterr().out
    assert "most_similar('apple')" in out and "queries/s" in out
