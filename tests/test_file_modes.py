"""Every writer's files honour the umask (0644 files, 0755 directories under 022) as other tools'
do, while still being written to a temporary name and renamed (mkstemp alone makes 0600)."""

import json
import os
import stat

import pytest

import engine
from engine.cli import main
from engine.io import write_word2vec


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture(scope="module")
def small():
    full = engine.datasets.default_vectors()
    return engine.Vectors(full.index_to_key[:300], full[full.index_to_key[:300]])


def _modes(top):
    """``{relative path: mode}`` of ``top`` and everything below it."""
    found = {".": stat.S_IMODE(os.stat(top).st_mode)}
    if os.path.isdir(top):
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                p = os.path.join(root, name)
                found[os.path.relpath(p, top)] = stat.S_IMODE(os.stat(p).st_mode)
    return found


def _assert_umask_modes(top):
    for rel, mode in _modes(top).items():
        want = 0o755 if os.path.isdir(os.path.join(top, rel)) else 0o644
        assert mode == want, f"{top}/{rel}: mode {oct(mode)}, expected {oct(want)} under umask 022"


def test_save_and_write_word2vec(tmp_path, small, umask_022):
    small.save(str(tmp_path / "v.engine"))
    _assert_umask_modes(str(tmp_path / "v.engine"))
    for fmt, name in (("word2vec", "v.bin"), ("text", "v.txt"), ("glove", "v.glove.txt.gz")):
        write_word2vec(small, str(tmp_path / name), format=fmt)
        _assert_umask_modes(str(tmp_path / name))


def test_saving_again_keeps_the_modes(tmp_path, small, umask_022):
    path = str(tmp_path / "v.engine")
    small.save(path)
    small.save(path)  # the atomic exchange of a second save
    _assert_umask_modes(path)


def test_index_save(tmp_path, small, umask_022):
    from engine.index import FaissIndex

    path = str(tmp_path / "v.engine")
    small.save(path)
    FaissIndex.build(small, "flat").save(path)
    assert os.path.exists(os.path.join(path, "index.faiss"))
    _assert_umask_modes(path)


@pytest.mark.parametrize("to,name", [("engine", "c.engine"), ("word2vec", "c.bin"), ("text", "c.txt")])
def test_convert(tmp_path, umask_022, capsys, to, name):
    out = str(tmp_path / name)
    src = engine.datasets.word2vec_path()
    assert main(["convert", src, out, "--to", to, "--limit", "100"]) == 0
    _assert_umask_modes(out)


def test_meta_build(tmp_path, umask_022, capsys):
    out = str(tmp_path / "meta.engine")
    assert (
        main(["meta", "build", "default", "lee", "--method", "avg", "--vocab", "intersection", "-o", out])
        == 0
    )
    _assert_umask_modes(out)


def test_score_and_classify_outputs(tmp_path, umask_022, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in ["a fast car", "apple pie", "a goal"]))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"sport": "football goal", "food": "apple pie cake"}))
    for name in ("s.jsonl", "s.csv", "s.parquet"):
        out = str(tmp_path / name)
        assert main(["score", "neighbors", str(src), "-o", out, "-k", "2", "--quiet"]) == 0
        _assert_umask_modes(out)
    out = str(tmp_path / "c.tsv")
    assert main(["classify", str(src), "--labels", str(labels), "-o", out]) == 0
    _assert_umask_modes(out)
