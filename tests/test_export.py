"""engine.export and ``engine export``: TensorBoard projector files and the neighbourhood PNG."""

import os

import numpy as np
import pytest

import engine
from engine.cli import main
from engine.export import neighbourhood_map, project_2d, projector


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(3)
    words = ["apple", "pear", "plum", "car", "bus", "train", "red", "blue"]
    return engine.Vectors(words, rng.standard_normal((8, 5)).astype(np.float32), counts=np.arange(8, 0, -1))


def test_projector_files_hold_the_rows_exactly(tmp_path, small):
    paths = projector(small, tmp_path / "p")
    rows = np.loadtxt(paths["vectors"], delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(rows, small.vectors)  # str(float32) reads back exactly
    meta = open(paths["metadata"], encoding="utf-8").read().splitlines()
    assert meta[0] == "word\tcount" and meta[1:] == [
        f"{w}\t{c}" for w, c in zip(small.index_to_key, small.counts)
    ]
    config = open(paths["config"]).read()
    assert 'tensor_path: "vectors.tsv"' in config and 'metadata_path: "metadata.tsv"' in config
    assert not [f for f in os.listdir(tmp_path / "p") if "engine-tmp" in f]


def test_projector_words_limit_normalize_and_no_counts(tmp_path, small):
    paths = projector(small, tmp_path, words=["car", "apple", "red"], limit=2, normalize=True)
    rows = np.loadtxt(paths["vectors"], delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(rows, small.unit[[3, 0]])
    plain = engine.Vectors(["a", "b"], np.eye(2))
    paths = projector(plain, tmp_path / "plain")
    assert open(paths["metadata"]).read() == "a\nb\n"  # one column: no header, as the projector wants


def test_projector_errors(tmp_path, small):
    with pytest.raises(engine.VocabularyError):
        projector(small, tmp_path, words=["zzz"])
    with pytest.raises(engine.EngineError, match="tab"):
        projector(engine.Vectors(["a\tb"], np.eye(1)), tmp_path)
    with pytest.raises(engine.EngineError, match="limit"):
        projector(small, tmp_path, limit=-1)
    with pytest.raises(engine.EngineError, match="engine.Vectors"):
        projector(np.eye(2), tmp_path)


def test_pca_matches_numpy_svd():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 6))
    xy = project_2d(x)
    c = x - x.mean(0)
    ref = c @ np.linalg.svd(c, full_matrices=False)[2][:2].T
    np.testing.assert_allclose(np.abs(xy), np.abs(ref), atol=1e-10)
    assert (xy[np.argmax(np.abs(xy), axis=0), [0, 1]] > 0).all()  # signs fixed: deterministic
    with pytest.raises(engine.EngineError, match="method"):
        project_2d(x, "mds")
    with pytest.raises(engine.EngineError, match="rows"):
        project_2d(x[:1])


def test_tsne_when_installed():
    pytest.importorskip("sklearn")
    xy = project_2d(np.random.default_rng(0).standard_normal((12, 4)), "tsne")
    assert xy.shape == (12, 2) and np.isfinite(xy).all()


def test_umap_missing_is_a_dependency_error():
    try:
        import umap  # noqa: F401
    except ImportError:
        with pytest.raises(engine.DependencyError, match="umap-learn"):
            project_2d(np.eye(5), "umap")
    else:
        assert project_2d(np.random.default_rng(0).standard_normal((20, 4)), "umap").shape == (20, 2)


def test_neighbourhood_map_png(tmp_path, small):
    pytest.importorskip("matplotlib")
    p = tmp_path / "apple.png"
    near = neighbourhood_map(small, "apple", p, k=4)
    assert near == small.most_similar("apple", topn=4)
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert neighbourhood_map(small, "apple", tmp_path / "all.png", k=100) == small.most_similar(
        "apple", topn=7
    )
    with pytest.raises(KeyError):
        neighbourhood_map(small, "zzz", tmp_path / "x.png")
    with pytest.raises(engine.EngineError, match="k must be"):
        neighbourhood_map(small, "apple", tmp_path / "x.png", k=0)


def test_missing_matplotlib_names_the_extra(tmp_path, small, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(engine.DependencyError, match=r"engine\[plot\]"):
        neighbourhood_map(small, "apple", tmp_path / "x.png")


def test_cli_export(tmp_path, small, capsys):
    vpath = tmp_path / "small.engine"
    small.save(vpath)
    assert main(["export", "--vectors", str(vpath), "-o", str(tmp_path / "proj"), "--limit", "3"]) == 0
    assert len(open(tmp_path / "proj" / "vectors.tsv").read().splitlines()) == 3
    words = tmp_path / "words.txt"
    words.write_text("red\nblue\n")
    assert (
        main(
            [
                "export",
                "--vectors",
                str(vpath),
                "--format",
                "projector",
                "--words",
                str(words),
                "-o",
                str(tmp_path / "w"),
            ]
        )
        == 0
    )
    assert open(tmp_path / "w" / "metadata.tsv").read().splitlines()[1:] == ["red\t2", "blue\t1"]
    pytest.importorskip("matplotlib")
    out = tmp_path / "m.png"
    assert (
        main(
            ["export", "--vectors", str(vpath), "--format", "png", "--word", "car", "-k", "3", "-o", str(out)]
        )
        == 0
    )
    assert out.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["export", "--vectors", str(vpath), "--format", "png", "-o", str(out)]) == 2
    assert "--word" in capsys.readouterr().err
    assert main(["export", "--vectors", str(vpath), "--format", "png", "--word", "zzz", "-o", str(out)]) == 2
