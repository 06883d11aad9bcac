"""`engine bench`: runs benchmarks by path and writes report.md, report.json and search.png."""

import json
import os
import textwrap

import pytest

from engine.bench import discover, markdown, search_series
from engine.cli import main

pytest.importorskip("matplotlib")

# A small benchmark in bench_search's row format: real timings of engine's search and a numpy
# peer on a tiny random vocabulary.
SMALL_SEARCH = textwrap.dedent("""
    import time
    import numpy as np
    import engine

    def run(quick):
        rng = np.random.default_rng(0)
        n, d = (2000, 32) if quick else (20000, 64)
        x = rng.standard_normal((n, d)).astype(np.float32)
        v = engine.Vectors([f"w{i}" for i in range(n)], x)
        rows = []
        for batch in (1, 4, 16):
            q = rng.standard_normal((batch, d)).astype(np.float32)
            t = time.perf_counter(); v.search(q, k=5); e = time.perf_counter() - t
            t = time.perf_counter(); np.argsort(-(q @ v.unit.T), axis=1)[:, :5]; p = time.perf_counter() - t
            rows.append(dict(N=n, D=d, batch=batch, engine_qps=batch / e, numpy_qps=batch / p))
        return rows

    def main():
        print(run(False))
""")


@pytest.fixture
def bench_dir(tmp_path):
    d = tmp_path / "benchmarks"
    d.mkdir()
    (d / "bench_search.py").write_text(SMALL_SEARCH)
    (d / "bench_broken.py").write_text("def run(quick):\n    raise RuntimeError('no data here')\n")
    (d / "helper.py").write_text("X = 1\n")  # not a bench_*.py: never run
    return d


def test_bench_quick_writes_markdown_json_and_png(bench_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["bench", "search", "--quick", "--dir", str(bench_dir), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("report.md", "report.json", "search.png"):
        assert f"wrote {out / name}" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["quick"] is True and list(report["benchmarks"]) == ["search"]
    rows = report["benchmarks"]["search"]["rows"]
    assert [r["batch"] for r in rows] == [1, 4, 16] and all(r["engine_qps"] > 0 for r in rows)
    m = report["machine"]
    assert m["cpu"] and m["cores"] == os.cpu_count()
    for lib in ("engine", "numpy", "gensim", "faiss", "POT"):
        assert lib in report["versions"]
    assert report["versions"]["numpy"] and report["threads"]["engine"] >= 1
    md = (out / "report.md").read_text()
    assert "| N | D | batch | engine_qps | numpy_qps |" in md and md.count("\n| 2000 | 32 |") == 3
    assert m["cpu"] in md and "threads: engine" in md
    import matplotlib.image

    img = matplotlib.image.imread(str(out / "search.png"))
    assert img.shape[0] > 200 and img.shape[1] > 300
    assert (img[..., :3] < 0.5).any()  # something is drawn, not a blank canvas


def test_a_failing_benchmark_is_reported_and_the_others_run(bench_dir, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as e:
        main(["bench", "--quick", "--dir", str(bench_dir), "--out", str(out), "--no-plot"])
    assert e.value.code == 1
    assert "benchmark broken failed: RuntimeError: no data here" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert set(report["benchmarks"]) == {"broken", "search"}
    assert "rows" in report["benchmarks"]["search"] and not (out / "search.png").exists()
    assert "**failed**: RuntimeError: no data here" in (out / "report.md").read_text()


def test_benchmark_names_and_errors(bench_dir, capsys):
    assert list(discover(str(bench_dir))) == ["broken", "search"]
    assert list(discover(str(bench_dir), ["bench_search.py"])) == ["search"]
    assert main(["bench", "nope", "--dir", str(bench_dir)]) == 2
    assert "no benchmark 'nope'" in capsys.readouterr().err


def test_search_series_reads_wide_and_long_rows():
    wide = [
        dict(N=10, D=4, batch=1, engine_qps=5.0, numpy_sgemm_qps=float("nan")),
        dict(N=10, D=4, batch=8, engine_qps=50.0, numpy_sgemm_qps=40.0),
    ]
    assert search_series(wide) == {
        "10 × 4": {"engine": [(1.0, 5.0), (8.0, 50.0)], "numpy_sgemm": [(8.0, 40.0)]}
    }
    long = [dict(impl="faiss", batch=2, qps=7), dict(impl="faiss", batch=1, qps=3), dict(note="no batch")]
    assert search_series(long) == {"search": {"faiss": [(1.0, 3.0), (2.0, 7.0)]}}


def test_markdown_escapes_cells():
    report = {
        "quick": False,
        "started": "now",
        "machine": {"cpu": "X", "cores": 2, "platform": "p", "python": "3"},
        "versions": {"engine": "0.1"},
        "threads": {"engine": 2},
        "benchmarks": {"b": {"path": "/x/bench_b.py", "seconds": 1.0, "rows": [{"a|b": "x|y", "n": 123456}]}},
    }
    md = markdown(report)
    assert "| a\\|b | n |" in md and "| x\\|y | 123,456 |" in md  # a | would split the column
