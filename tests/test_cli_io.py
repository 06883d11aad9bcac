"""The `engine info` and `engine convert` commands, and how a user's mistake is reported."""

import os
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors

import engine
from engine.cli import main


@pytest.fixture(scope="module")
def w2v_bin():
    return engine.datasets.word2vec_path()


def test_info_describes_a_word2vec_file(w2v_bin, capsys):
    assert main(["info", w2v_bin]) == 0
    out = capsys.readouterr().out
    kv = engine.datasets.word2vec_keyedvectors()
    assert f"words:       {len(kv)}" in out
    assert f"dimensions:  {kv.vector_size}" in out
    assert "first words: " + " ".join(kv.index_to_key[:10]) in out
    assert "format:      word2vec" in out


@pytest.mark.parametrize(
    "to,name",
    [("engine", "out.engine"), ("text", "out.txt"), ("glove", "out.glove.txt.gz"), ("word2vec", "out.bin")],
)
def test_convert_then_gensim_or_engine_reads_it(tmp_path, w2v_bin, capsys, to, name):
    out = str(tmp_path / name)
    assert main(["convert", w2v_bin, out, "--to", to, "--limit", "500"]) == 0
    assert f"wrote 500 words × 100 dims to {out} ({to})" in capsys.readouterr().out
    kv = KeyedVectors.load_word2vec_format(w2v_bin, binary=True, limit=500)
    v = engine.load(out)
    assert v.index_to_key == kv.index_to_key
    np.testing.assert_allclose(v.vectors, kv.vectors, rtol=2e-6, atol=1e-7)
    if to != "engine":
        back = KeyedVectors.load_word2vec_format(out, binary=to == "word2vec", no_header=to == "glove")
        assert back.index_to_key == kv.index_to_key


def test_info_on_engine_directory(tmp_path, capsys):
    d = tmp_path / "v.engine"
    engine.Vectors(["a", "b"], np.eye(2), counts=[5, 3]).save(d)
    assert main(["info", str(d)]) == 0
    out = capsys.readouterr().out
    assert "words:       2" in out and "counts:      yes" in out


@pytest.mark.parametrize(
    "argv,message",
    [
        (["info", "/nonexistent/vectors.bin"], "/nonexistent/vectors.bin: no such file"),
        (["convert", "/nonexistent/v.bin", "/tmp/x.txt", "--to", "text"], "/nonexistent/v.bin: no such file"),
    ],
)
def test_user_errors_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"engine: error: {message}\n"
    assert captured.out == ""


def test_malformed_file_exit_2_names_file_and_line(tmp_path, capsys):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"2 3\na 1 2 3\nb 1 two 3\n")
    assert main(["info", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"engine: error: {p}: line 3: 'two'")


def test_python_m_engine_prints_no_traceback(tmp_path):
    p = tmp_path / "empty.bin"
    p.write_bytes(b"")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run(
        [sys.executable, "-m", "engine", "info", str(p)],
        capture_output=True,
        text=True,
        cwd=root,
        env=dict(os.environ, PYTHONPATH=root),
    )
    assert r.returncode == 2
    assert r.stderr == f"engine: error: {p}: empty file\n"
    assert "Traceback" not in r.stderr
