"""Progress bars: drawn on a terminal (a pseudo-terminal here), never on a pipe, never with
``--quiet``, and never from the library unless ``progress=`` asks for one."""

import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest

import engine
from engine import _progress

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("progress")
    full = engine.datasets.default_vectors()
    v = engine.Vectors(full.index_to_key[:3000], full[full.index_to_key[:3000]])
    v.save(str(d / "v.engine"))
    engine.io.write_word2vec(v, str(d / "v.txt"), format="text")
    (d / "texts.txt").write_text("the man and the woman\n" * 2000)
    (d / "few.txt").write_text("the man and the woman\nthe government and the state\n" * 25)
    (d / "labels.json").write_text('{"people": "man woman", "state": "government"}')
    return d


def _on_pty(argv):
    """Run ``engine ARGV`` with its standard error on a pseudo-terminal; return (status, what the
    terminal received)."""
    master, slave = pty.openpty()
    # a terminal of 120 columns (a new pty has 0, on which tqdm draws an empty line)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-m", "engine", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        cwd=ROOT,
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    child.wait(timeout=120)
    os.close(master)
    return child.returncode, seen.decode("utf-8", "replace")


def _on_pipe(argv):
    r = subprocess.run([sys.executable, "-m", "engine", *argv], capture_output=True, cwd=ROOT, timeout=300)
    return r.returncode, r.stderr.decode()


COMMANDS = {
    "load and convert": (["convert", "{d}/v.txt", "-o", "{d}/out.bin", "--to", "word2vec"], "load v.txt"),
    "index build": (["index", "build", "--vectors", "{d}/v.engine", "--kind", "flat"], "index flat"),
    "classify": (["classify", "{d}/texts.txt", "--labels", "{d}/labels.json", "-o", "{d}/c.tsv"], "classify"),
    "score": (
        ["score", "neighbors", "{d}/texts.txt", "-o", "{d}/s.jsonl", "--vectors", "{d}/v.engine"],
        "score",
    ),
    "wmd knn": (
        ["wmd", "knn", "{d}/few.txt", "{d}/few.txt", "-k", "1", "--vectors", "{d}/v.engine"],
        "wmd knn",
    ),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_bar_on_a_terminal_none_on_a_pipe_or_with_quiet(name, files):
    argv, label = COMMANDS[name]
    argv = [a.format(d=files) for a in argv]
    code, tty = _on_pty(argv)
    assert code == 0, tty
    assert label in tty and "/s]" in tty, tty  # the bar: what it does, and a rate
    code, err = _on_pipe(argv)
    assert code == 0 and "/s]" not in err, err
    code, tty = _on_pty(["-q", *argv])
    assert code == 0 and "/s]" not in tty, tty


def test_the_library_is_quiet_unless_asked(files, capsys):
    engine.load(str(files / "v.txt"))
    engine.FaissIndex.build(engine.load(str(files / "v.engine")), "flat")
    assert capsys.readouterr().err == ""
    engine.load(str(files / "v.txt"), progress="always")
    assert "load v.txt" in capsys.readouterr().err


def test_the_rate_is_the_current_one():
    """tqdm's moving average (smoothing > 0) follows a change of pace; 0 would be the mean."""
    with _progress.bar(total=10, progress="always", file=io.StringIO()) as b:
        assert 0 < b.smoothing == _progress.SMOOTHING < 1
    with pytest.raises(engine.EngineError, match="progress"):
        _progress.bar(progress="sometimes")
