"""The package's metadata holds: the Python versions it claims (requires-python: the running
interpreter, the syntax of every module, ruff's target, the classifiers), the version written in
one place (and printed by ``engine --version``), the licence. The sdist and wheel themselves are
built and checked by tests/check_wheel.py (``make test-wheel``)."""

import ast
import re
import sys
from pathlib import Path

import pytest

import engine
from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later: older ones skip these checks


@pytest.fixture(scope="module")
def pyproject():
    path = ROOT / "pyproject.toml"
    if not path.exists():
        pytest.skip("not run from a source tree")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def oldest_python(pyproject):
    spec = pyproject["project"]["requires-python"]
    m = re.fullmatch(r">=\s*3\.(\d+)", spec)
    assert m, f"requires-python should be a lower bound '>=3.N', got {spec!r}"
    return 3, int(m.group(1))


def test_the_running_interpreter_is_one_requires_python_allows(pyproject):
    assert sys.version_info[:2] >= oldest_python(pyproject)


def test_every_module_parses_as_the_oldest_python_allowed(pyproject):
    oldest = oldest_python(pyproject)
    for folder in ("engine", "tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            try:
                ast.parse(path.read_text(encoding="utf-8"), feature_version=oldest)
            except SyntaxError as e:
                pytest.fail(f"{path.relative_to(ROOT)} needs a newer Python than {oldest}: {e}")


def test_ruff_targets_and_classifiers_name_the_same_oldest_python(pyproject):
    major, minor = oldest_python(pyproject)
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    versions = [
        tuple(int(x) for x in c.rsplit(" :: ", 1)[1].split("."))
        for c in pyproject["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert min(versions) == (major, minor)
    assert versions == [(3, m) for m in range(minor, max(versions)[1] + 1)]  # no gap


def test_version_is_written_once(pyproject):
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "engine.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc|\.dev|\.post)?\d*", engine.__version__)


def test_engine_version_prints_it(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"engine {engine.__version__}"


def test_licence(pyproject):
    assert pyproject["project"]["license"] == "MIT"
    assert pyproject["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "the engine developers" in text


def test_engine_info_cpu_prints_the_path(capsys):
    assert main(["info", "--cpu"]) == 0
    out = capsys.readouterr().out
    assert f"path:       {engine.cpu_info().path}" in out and "topk" in out
    assert main(["info"]) == 2
    assert "give a vectors PATH, or --cpu" in capsys.readouterr().err
