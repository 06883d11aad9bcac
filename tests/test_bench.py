"""`engine bench`: every real benchmark script runs (at its tiny size) through the runner, prints its
tables as it measures them, and lands in report.md, report.json, search.png and the docs pages.

No timing is asserted anywhere: performance is measured in benchmarks/, never in a test. The tiny
size runs each script's code paths on inputs small enough to take seconds.
"""

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest

from engine.bench import discover, markdown, render_docs, search_series
from engine.bench import tables as T
from engine.bench.runner import run_one
from engine.cli import main

pytest.importorskip("matplotlib")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = list(discover())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """One `engine bench --tiny --docs ...` over every shipped script: exit code, printed output,
    the report, and the folders written."""
    base = tmp_path_factory.mktemp("bench")
    out, docs = base / "out", base / "docs"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
        mp.setenv("ENGINE_BENCH_CACHE", str(base / "cache"))  # generated inputs: not shared with real runs
        rc = main(["bench", "--tiny", "--out", str(out), "--docs", str(docs)])
    report = json.loads((out / "report.json").read_text())
    return dict(rc=rc, printed=printed.getvalue(), report=report, out=out, docs=docs)


def test_every_shipped_script_is_run():
    assert SCRIPTS == [
        "classify",
        "contextual",
        "index",
        "load",
        "meta",
        "paths",
        "score",
        "search",
        "topics",
        "wmd",
        "quality_classify",
        "quality_contextual",
        "quality_meta",
    ]


def test_the_runner_exits_0_and_writes_its_report(tiny):
    assert tiny["rc"] == 0, {n: e.get("error") for n, e in tiny["report"]["benchmarks"].items()}
    report = tiny["report"]
    assert list(report["benchmarks"]) == SCRIPTS
    assert not [name for name, entry in report["benchmarks"].items() if "error" in entry]
    assert report["size"] == "tiny" and report["quick"] is False
    for name in ("report.md", "report.json", "search.png"):
        assert f"wrote {tiny['out'] / name}" in tiny["printed"]
    m = report["machine"]
    assert m["cpu"] and m["cores"] == os.cpu_count() and len(m["load_average_end"]) == 3
    for lib in ("engine", "numpy", "scipy", "gensim", "faiss", "POT"):
        assert report["versions"][lib]
    assert report["threads"]["engine"] >= 1
    import matplotlib.image

    img = matplotlib.image.imread(str(tiny["out"] / "search.png"))
    assert img.shape[0] > 200 and img.shape[1] > 300 and (img[..., :3] < 0.5).any()


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_prints_and_returns_its_tables(tiny, name):
    entry = tiny["report"]["benchmarks"][name]
    assert "error" not in entry, entry.get("traceback")
    assert entry["size"] == "tiny" and entry["rows"] and entry["tables"]
    assert len(entry["load_before"]) == 3 and len(entry["load_after"]) == 3
    assert entry["threads"]["engine"] >= 1
    assert sum(len(t["rows"]) for t in entry["tables"]) == len(entry["rows"])
    printed = tiny["printed"]
    head = printed.index(f"{name}: {entry['title']} (tiny)\n")
    tail = printed.index("load average after:", head)
    section = printed[head:tail]
    assert "load average before:" in section and "threads: engine" in section
    md = (tiny["out"] / "report.md").read_text()
    for table in entry["tables"]:
        cols = T.from_json(table["columns"])
        assert table["rows"] and all(c.key in r for r in table["rows"] for c in cols[:1])
        lines = T.markdown_table(cols, table["rows"])
        pos = 0  # the script printed the table it returned, header first, row after row
        for line in lines:
            pos = section.index(line + "\n", pos) + len(line)
        assert "\n".join(lines) in md


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_has_a_docs_page_and_its_results(tiny, name):
    entry = tiny["report"]["benchmarks"][name]
    page = os.path.splitext(entry["script"])[0]
    rec = json.loads((tiny["docs"] / f"{page}.json").read_text())
    assert rec["benchmark"] == name and rec["size"] == "tiny" and rec["date"] == tiny["report"]["started"]
    assert rec["machine"]["cpu"] and rec["machine"]["cores"] == os.cpu_count()
    assert rec["load_before"] == entry["load_before"] and rec["load_after"] == entry["load_after"]
    assert rec["threads"]["engine"] >= 1 and rec["versions"]["numpy"] and rec["tables"] == entry["tables"]
    text = (tiny["docs"] / f"{page}.md").read_text()
    assert text.startswith(f"# {entry['title']}\n") and text.count("\n# ") == 0  # one title per page
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(headings) == len({h.lower() for h in headings})  # Sphinx: no duplicate section titles
    for table in entry["tables"]:
        assert "\n".join(T.markdown_table(T.from_json(table["columns"]), table["rows"])) in text
    assert f"`engine bench {name} --tiny --docs docs/performance`" in text
    assert ("![" in text) == (name == "search")  # the search page shows the plot
    if name == "search":
        assert (tiny["docs"] / "search.png").exists()


def test_the_docs_index_lists_every_page_and_pages_render_from_json_alone(tiny):
    docs = tiny["docs"]
    pages = sorted(p[:-5] for p in os.listdir(docs) if p.endswith(".json"))
    assert pages == sorted(os.path.splitext(e["script"])[0] for e in tiny["report"]["benchmarks"].values())
    index = (docs / "index.md").read_text()
    assert index.startswith("# Performance\n") and "```{toctree}\n:hidden:\n\n" + "\n".join(pages) in index
    for page in pages:
        assert f"]({page}.md)" in index
    before = {p: (docs / f"{p}.md").read_text() for p in pages + ["index"]}
    for p in before:
        (docs / f"{p}.md").unlink()
    render_docs(str(docs))
    assert {p: (docs / f"{p}.md").read_text() for p in before} == before


@pytest.mark.filterwarnings("ignore:'myst_parser")  # myst-parser's own use of a deprecated Sphinx API
def test_the_docs_pages_build_with_sphinx_warnings_as_errors(tiny, tmp_path):
    pytest.importorskip("myst_parser")
    from sphinx.cmd.build import build_main

    src = tmp_path / "src"
    (src / "performance").mkdir(parents=True)
    for f in os.listdir(tiny["docs"]):
        (src / "performance" / f).write_bytes((tiny["docs"] / f).read_bytes())
    (src / "conf.py").write_text(
        'project = "engine"\nextensions = ["myst_parser", "sphinx.ext.autosectionlabel"]\n'
        "autosectionlabel_prefix_document = True\nmyst_heading_anchors = 3\n"
    )
    (src / "index.md").write_text("# engine\n\n```{toctree}\nperformance/index\n```\n")
    with contextlib.redirect_stdout(io.StringIO()):
        assert build_main(["-W", "-n", "-q", "-b", "html", str(src), str(tmp_path / "html")]) == 0


def test_an_empty_docs_folder_gets_an_index_without_numbers(tmp_path):
    render_docs(str(tmp_path))
    index = (tmp_path / "index.md").read_text()
    assert "No results have been generated yet." in index and "toctree" not in index


def test_python_m_engine_bench_renders_a_folder_and_help_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = [sys.executable, "-m", "engine.bench"]
    r = subprocess.run([*run, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "usage: python -m engine.bench" in r.stdout and os.listdir(tmp_path) == []
    r = subprocess.run([*run, "pages"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr  # a new folder gets its index
    assert r.stdout.strip() == f"wrote {os.path.join('pages', 'index.md')}"


def test_a_script_runs_alone_from_the_checkout(tmp_path):
    """`python benchmarks/bench_search.py --tiny` from another directory: the checkout's engine,
    its table printed with the machine, threads and load average."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    r = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench_search.py"), "--tiny"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("search: Exact top-k cosine search (tiny)\nmachine: ")
    assert "| N | D | batch | engine q/s |" in r.stdout and "\n| 2,000 | 32 | 16 |" in r.stdout
    assert "load average before:" in r.stdout and r.stdout.rstrip().splitlines()[-1].startswith(
        "load average after:"
    )


# ---------------------------------------------------------------- the runner with stand-in scripts
@pytest.fixture
def stub_dir(tmp_path):
    d = tmp_path / "benchmarks"
    d.mkdir()
    (d / "bench_plain.py").write_text(
        "def run(quick):\n    return [dict(n=2000, x=0.5), dict(n=4000, x=1.5)]\n"
    )
    (d / "bench_broken.py").write_text("def run(quick):\n    raise RuntimeError('no data here')\n")
    (d / "helper.py").write_text("X = 1\n")  # neither bench_*.py nor quality_*.py: never run
    return d


def test_a_failing_benchmark_is_reported_and_the_others_run(stub_dir, tmp_path, capsys):
    out, docs = tmp_path / "out", tmp_path / "docs"
    with pytest.raises(SystemExit) as e:
        main(["bench", "--quick", "--dir", str(stub_dir), "--out", str(out), "--docs", str(docs)])
    assert e.value.code == 1
    assert "benchmark broken failed: RuntimeError: no data here" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert (
        set(report["benchmarks"]) == {"broken", "plain"}
        and "Traceback" in report["benchmarks"]["broken"]["traceback"]
    )
    assert report["benchmarks"]["plain"]["rows"] == [dict(n=2000, x=0.5), dict(n=4000, x=1.5)]
    md = (out / "report.md").read_text()
    assert "**failed**: RuntimeError: no data here" in md
    assert "| n | x |\n|---|---|\n| 2000 | 0.5 |\n| 4000 | 1.50 |" in md  # rows without declared columns
    # a failed benchmark keeps its previous page: nothing is written for it
    assert sorted(os.listdir(docs)) == ["bench_plain.json", "bench_plain.md", "index.md"]


def test_a_script_imports_a_sibling_while_it_runs(tmp_path):
    """quality_classify imports quality_contextual only when the encoder is installed, inside
    run(): the script's folder must still be importable then, not only while it loads."""
    d = tmp_path / "benchmarks"
    d.mkdir()
    (d / "helper_late.py").write_text("VALUE = 7\n")
    (d / "bench_late.py").write_text(
        "def run(quick):\n    from helper_late import VALUE\n    return [dict(value=VALUE)]\n"
    )
    entry = run_one("late", str(d / "bench_late.py"), quick=True)
    assert "error" not in entry, entry.get("error")
    assert entry["rows"] == [dict(value=7)]
    assert str(d) not in sys.path  # and the folder is gone from sys.path afterwards


def test_benchmark_names_and_errors(stub_dir, capsys):
    assert list(discover(str(stub_dir))) == ["broken", "plain"]
    assert list(discover(str(stub_dir), ["bench_plain.py"])) == ["plain"]
    assert list(discover(str(stub_dir), ["bench_plain"])) == ["plain"]
    assert main(["bench", "nope", "--dir", str(stub_dir)]) == 2
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


def test_markdown_escapes_cells_and_formats_by_column():
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
    cols = T.columns([("v", "value", ["{:.3f} ± {ci:.3f}", "{:.3f}"]), ("r", "ratio", "{:.1f}×")])
    rows = [dict(v=0.5, ci=0.01, r=2.0), dict(v=0.25, ci=None, r=float("nan"))]
    assert T.markdown_table(cols, rows)[2:] == ["| 0.500 ± 0.010 | 2.0× |", "| 0.250 | – |"]
