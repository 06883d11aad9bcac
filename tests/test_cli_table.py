"""Every subcommand of ``engine`` × the ways a user meets it: a missing file, a file in the wrong
format, a bad flag, ``-`` for standard input/output, empty input, and Ctrl-C. Each cell asserts the
documented exit code (docs/cli.md) and, for an error, that standard error is one line without a
traceback."""

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import engine
import engine.topics
from engine.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = "{tmp}/out"

# command: {case: (argv, stdin bytes or None, exit code)}; {V} is an engine directory (with a
# flat index), {T} the same vectors as word2vec text, {J} a file that is no vectors file, ...
TABLE = {
    "info": {
        "missing": (["info", "{M}"], None, 2),
        "wrong format": (["info", "{J}"], None, 2),
        "bad flag": (["info", "{V}", "--format", "xml"], None, 2),
        "stdio": (["info", "-"], "T", 0),
        "empty": (["info", "{E}"], None, 2),
    },
    "convert": {
        "missing": (["convert", "{M}", "-o", OUT + ".txt", "--to", "text"], None, 2),
        "wrong format": (["convert", "{J}", "-o", OUT + ".txt", "--to", "text"], None, 2),
        "bad flag": (["convert", "{T}", "-o", OUT + ".txt", "--to", "xml"], None, 2),
        "stdio": (["convert", "-", "-o", "-", "--to", "text"], "T", 0),
        "empty": (["convert", "{E}", "-o", OUT + ".txt", "--to", "text"], None, 2),
    },
    "search": {
        "missing": (["search", "--file", "{M}", "--vectors", "{V}"], None, 2),
        "wrong format": (["search", "the", "--vectors", "{J}"], None, 2),
        "bad flag": (["search", "the", "--vectors", "{V}", "-k", "many"], None, 2),
        "stdio": (["search", "--file", "-", "-o", "-", "--vectors", "{V}"], b"the\n", 0),
        "empty": (["search", "--file", "{E}", "--vectors", "{V}"], None, 2),
    },
    "index build": {
        "missing": (["index", "build", "--vectors", "{M}"], None, 2),
        "wrong format": (["index", "build", "--vectors", "{J}"], None, 2),
        "bad flag": (["index", "build", "--vectors", "{V}", "--param", "M"], None, 2),
        "stdio": (["index", "build", "--vectors", "-"], "T", 2),  # the index lives beside the vectors
        "empty": (["index", "build", "--vectors", "{D}"], None, 2),
    },
    "index search": {
        "missing": (["index", "search", "--vectors", "{M}", "the"], None, 2),
        "wrong format": (["index", "search", "--vectors", "{J}", "the"], None, 2),
        "bad flag": (["index", "search", "--vectors", "{V}", "the", "--efSearch", "x"], None, 2),
        "stdio": (["index", "search", "--vectors", "{V}", "the", "-o", "-"], None, 0),
        "empty": (["index", "search", "--vectors", "{V}"], None, 2),
    },
    "index recall": {
        "missing": (["index", "recall", "--vectors", "{M}"], None, 2),
        "wrong format": (["index", "recall", "--vectors", "{J}"], None, 2),
        "bad flag": (["index", "recall", "--vectors", "{V}", "--sample", "x"], None, 2),
        "stdio": (["index", "recall", "--vectors", "-"], "T", 2),
        "empty": (["index", "recall", "--vectors", "{D}"], None, 2),
    },
    "wmd pairs": {
        "missing": (["wmd", "pairs", "{M}", "--vectors", "{V}"], None, 2),
        "wrong format": (["wmd", "pairs", "{B}", "--vectors", "{V}"], None, 2),
        "bad flag": (["wmd", "pairs", "{P}", "--vectors", "{V}", "--method", "x"], None, 2),
        "stdio": (["wmd", "pairs", "-", "-o", "-", "--vectors", "{V}"], b"the man\tthe woman\n", 0),
        "empty": (["wmd", "pairs", "{E}", "--vectors", "{V}"], None, 0),
    },
    "wmd knn": {
        "missing": (["wmd", "knn", "{Q}", "{M}", "--vectors", "{V}"], None, 2),
        "wrong format": (["wmd", "knn", "{B}", "{Q}", "--vectors", "{V}"], None, 2),
        "bad flag": (["wmd", "knn", "{Q}", "{Q}", "--vectors", "{V}", "-k", "0"], None, 2),
        "stdio": (["wmd", "knn", "-", "{Q}", "-o", "-", "--vectors", "{V}"], b"the man\n", 0),
        "empty": (["wmd", "knn", "{E}", "{Q}", "--vectors", "{V}"], None, 0),
    },
    "meta build": {
        "missing": (["meta", "build", "{M}", "{T}", "-o", OUT], None, 2),
        "wrong format": (["meta", "build", "{J}", "{T}", "-o", OUT], None, 2),
        "bad flag": (["meta", "build", "{V}", "{T}", "--method", "x", "-o", OUT], None, 2),
        "stdio": (["meta", "build", "{V}", "{T}", "-o", "-"], None, 2),  # a directory
        "empty": (["meta", "build", "{E}", "{T}", "-o", OUT], None, 2),
    },
    "meta evaluate": {
        "missing": (["meta", "evaluate", "{M}", "{T}"], None, 2),
        "wrong format": (["meta", "evaluate", "{V}", "{T}", "--datasets", "{J}"], None, 2),
        "bad flag": (["meta", "evaluate", "{V}", "{T}", "--vocab", "x"], None, 2),
        "stdio": (["meta", "evaluate", "-", "{T}"], "T", 2),  # sources are paths
        "empty": (["meta", "evaluate", "{V}", "{T}", "--datasets", "{E}"], None, 0),  # nothing to score
    },
    "topics show": {
        "missing": (["topics", "show", "{M}"], None, 2),
        "wrong format": (["topics", "show", "{J}"], None, 2),
        "bad flag": (["topics", "show", "{L}", "--words", "x"], None, 2),
        "stdio": (["topics", "show", "{L}", "-o", "-"], None, 0),
        "empty": (["topics", "show", "{E}"], None, 2),
    },
    "topics infer": {
        "missing": (["topics", "infer", "{L}", "{M}"], None, 2),
        "wrong format": (["topics", "infer", "{L}", "{B}"], None, 2),
        "bad flag": (["topics", "infer", "{L}", "{Q}", "--top", "x"], None, 2),
        "stdio": (["topics", "infer", "{L}", "-", "-o", "-"], b"the government\n", 0),
        "empty": (["topics", "infer", "{L}", "{E}"], None, 0),
    },
    "topics knn": {
        "missing": (["topics", "knn", "{L}", "{Q}", "{M}"], None, 2),
        "wrong format": (["topics", "knn", "{L}", "{B}", "{Q}"], None, 2),
        "bad flag": (["topics", "knn", "{L}", "{Q}", "{Q}", "--measure", "x"], None, 2),
        "stdio": (["topics", "knn", "{L}", "-", "{Q}", "-o", "-"], b"the government\n", 0),
        "empty": (["topics", "knn", "{L}", "{Q}", "{E}"], None, 2),  # no corpus to search
    },
    "classify": {
        "missing": (["classify", "{M}", "--labels", "{LB}", "--vectors", "{V}"], None, 2),
        "wrong format": (["classify", "{BJ}", "--labels", "{LB}", "--vectors", "{V}"], None, 2),
        "bad flag": (["classify", "{Q}", "--labels", "{LB}", "--to", "xml"], None, 2),
        "stdio": (["classify", "-", "--labels", "{LB}", "-o", "-", "--vectors", "{V}"], b"the man\n", 0),
        "empty": (["classify", "{E}", "--labels", "{LB}", "--vectors", "{V}"], None, 0),
    },
}
for task, extra in {
    "zeroshot": ["--labels", "{LB}"],
    "neighbors": [],
    "wmd-knn": ["--corpus", "{Q}"],
    "topics": ["--model", "{L}"],
}.items():
    score = ["score", task, *extra, "--vectors", "{V}"]
    TABLE[f"score {task}"] = {
        "missing": ([*score, "{M}"], None, 2),
        "wrong format": ([*score, "{BJ}"], None, 3),  # a bad row stops the run: exit 3
        "bad flag": ([*score, "{Q}", "--on-error", "x"], None, 2),
        "stdio": ([*score, "-", "-o", "-", "--format", "text"], b"the man\n", 0),
        "empty": ([*score, "{EJ}"], None, 0),
    }
TABLE["demo"] = {
    "missing": (["demo", "--vectors", "{M}"], None, 2),
    "wrong format": (["demo", "--vectors", "{J}"], None, 2),
    "bad flag": (["demo", "--vectors"], None, 2),
    "empty": (["demo", "--vectors", "{E}"], None, 2),
}
TABLE["bench"] = {
    "missing": (["bench", "--dir", "{M}", "-o", OUT], None, 2),
    "wrong format": (["bench", "nosuchbench", "-o", OUT], None, 2),
    "bad flag": (["bench", "--quick", "--tiny", "--no-plot", "--out"], None, 2),
    "empty": (["bench", "--dir", "{D}", "-o", OUT], None, 2),
}

CELLS = [(cmd, case) for cmd, cases in TABLE.items() for case in cases]


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    d = tmp_path_factory.mktemp("table")
    full = engine.datasets.default_vectors()
    v = engine.Vectors(full.index_to_key[:400], full[full.index_to_key[:400]])
    v.save(str(d / "v.engine"))
    engine.FaissIndex.build(v, "flat").save(str(d / "v.engine"))
    engine.io.write_word2vec(v, str(d / "v.txt"), format="text")
    (d / "junk.bin").write_bytes(b"\x00\x01not vectors\xff" * 10)
    (d / "empty.txt").write_text("")
    (d / "empty.jsonl").write_text("")
    (d / "emptydir").mkdir()
    (d / "queries.txt").write_text("the man and the woman\nthe government\n")
    (d / "pairs.tsv").write_text("the man\tthe woman\n")
    (d / "bad.txt").write_bytes(b"the man\n\xff\xfe not utf-8\n")
    (d / "bad.jsonl").write_text('{"text": "the man"}\n{"text": \n')
    (d / "labels.json").write_text(json.dumps({"people": "man woman", "state": "government"}))
    lda, _ = engine.topics.lee_lda()
    lda.save(str(d / "lee.lda"))
    return {
        "V": str(d / "v.engine"),
        "T": str(d / "v.txt"),
        "J": str(d / "junk.bin"),
        "M": str(d / "missing.txt"),
        "E": str(d / "empty.txt"),
        "EJ": str(d / "empty.jsonl"),
        "D": str(d / "emptydir"),
        "Q": str(d / "queries.txt"),
        "P": str(d / "pairs.tsv"),
        "B": str(d / "bad.txt"),
        "BJ": str(d / "bad.jsonl"),
        "LB": str(d / "labels.json"),
        "L": str(d / "lee.lda"),
        "tmp": str(d),
    }


def _argv(argv, paths):
    return [a.format(**paths) for a in argv]


def _stdin(stdin, paths):
    if stdin == "T":
        with open(paths["T"], "rb") as f:
            return f.read()
    return stdin or b""


def _assert_one_line(err, code):
    assert "Traceback" not in err, err
    if code != 0:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("engine"), err


@pytest.mark.parametrize("command,case", CELLS, ids=[f"{c}-{k}" for c, k in CELLS])
def test_cell(command, case, paths, monkeypatch, capsys):
    argv, stdin, expected = TABLE[command][case]
    data = _stdin(stdin, paths)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    try:
        code = main(_argv(argv, paths))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    assert code == expected, f"{argv}: exit {code}, expected {expected}; stderr: {err}"
    _assert_one_line(err, code)
    if case == "stdio" and expected == 0:
        assert out.strip(), "nothing written to standard output"


def test_stdout_of_convert_is_the_vectors(paths, tmp_path):
    """``engine convert - -o - --to text``: the bytes on standard output are a word2vec text file."""
    r = subprocess.run(
        [sys.executable, "-m", "engine", "convert", "-", "-o", "-", "--to", "text"],
        input=_stdin("T", paths),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    (tmp_path / "back.txt").write_bytes(r.stdout)
    back, v = engine.load(str(tmp_path / "back.txt")), engine.load(paths["V"])
    assert back.index_to_key == v.index_to_key
    assert "wrote 400 words" in r.stderr.decode()


def test_did_you_mean(capsys):
    with pytest.raises(SystemExit) as e:
        main(["serch", "apple"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'search'?" in err
    with pytest.raises(SystemExit):
        main(["index", "biuld"])
    assert "did you mean 'build'?" in capsys.readouterr().err


def test_old_spellings_still_work(paths, tmp_path, capsys):
    """The spellings before the one grammar are hidden aliases: scripts keep working."""
    src = tmp_path / "in.jsonl"
    src.write_text('{"body": "the man"}\n')
    out = tmp_path / "o.csv"
    assert (
        main(
            ["score", "neighbors", str(src), "-o", str(out), "--vectors", paths["V"], "--text-field", "body"]
            + ["--input-format", "jsonl", "--output-format", "csv", "-k", "2"]
        )
        == 0
    )
    assert out.read_text().startswith("neighbors")
    assert main(["index", "search", paths["V"], "the", "-k", "2"]) == 0  # positional vectors
    assert (
        main(["classify", str(src), "--labels", paths["LB"], "--input-format", "jsonl", "--field", "body"])
        == 0
    )
    assert "Traceback" not in capsys.readouterr().err


def test_k_above_the_vocabulary_is_clipped_everywhere(paths, capsys):
    """One rule (docs/similarity.md): gensim's topn is clipped to the vocabulary, and so is k."""
    n = 400
    assert main(["search", "the", "-k", str(n + 50), "--vectors", paths["V"]]) == 0
    assert len(capsys.readouterr().out.splitlines()) == n - 1  # the query word excluded
    assert main(["index", "search", "--vectors", paths["V"], "the", "-k", str(n + 50)]) == 0
    assert len(capsys.readouterr().out.split("  ")) == n - 1
    assert main(["wmd", "knn", paths["Q"], paths["Q"], "-k", "9", "--vectors", paths["V"]]) == 0
    assert "  3\t" not in capsys.readouterr().out  # two documents in the corpus: two results


# Ctrl-C: the command runs in a child process, which reports when engine is imported; SIGINT comes
# while the command works (blocked on standard input, or computing).
_CHILD = (
    "import os, sys; import engine.cli; os.write(int(sys.argv[1]), b'r'); os.close(int(sys.argv[1])); "
    "sys.exit(engine.cli.main(sys.argv[2:]))"
)
INTERRUPTED = {
    "info": ["info", "-"],
    "convert": ["convert", "-", "-o", "-", "--to", "text"],
    "search": ["search", "--file", "-", "--vectors", "{V}"],
    "index build": ["index", "build", "--vectors", "{BIG}", "--kind", "hnsw"],
    "wmd pairs": ["wmd", "pairs", "-", "--vectors", "{V}"],
    "wmd knn": ["wmd", "knn", "-", "{Q}", "--vectors", "{V}"],
    "meta build": ["meta", "build", "default", "lee", "--method", "svd", "-o", OUT],
    "topics infer": ["topics", "infer", "{L}", "-"],
    "classify": ["classify", "-", "--labels", "{LB}", "--vectors", "{V}"],
    "score neighbors": ["score", "neighbors", "-", "--vectors", "{V}", "-o", OUT + ".jsonl"],
    "demo": ["demo"],
    "bench": ["bench", "search", "--tiny", "--no-plot", "-o", OUT],
}


@pytest.fixture(scope="module")
def big(paths):
    """A larger engine directory, whose HNSW build takes seconds."""
    path = os.path.join(paths["tmp"], "big.engine")
    engine.datasets.default_vectors().save(path)
    return path


@pytest.mark.parametrize("command", list(INTERRUPTED))
def test_ctrl_c(command, paths, big):
    argv = [a.format(BIG=big, **paths) for a in INTERRUPTED[command]]
    r, w = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(w), *argv],
        stdin=subprocess.PIPE,  # held open and never written: readers of - wait on it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(w,),
        cwd=ROOT,
    )
    os.close(w)
    try:
        assert os.read(r, 1) == b"r"
        time.sleep(0.5)  # into the command's work
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=120)
    finally:
        os.close(r)
        if child.poll() is None:
            child.kill()
    err = err.decode()
    assert child.returncode == 130, err
    _assert_one_line(err, 130)
    assert "interrupted" in err
