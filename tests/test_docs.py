"""The documentation site builds without a warning, and its pages' examples run as written.

``make docs`` runs ``sphinx-build -W --keep-going -b html docs docs/_build/html``; the build
here is the same, into a temporary directory. The examples of a page (its ```python blocks,
and the shell blocks marked ``<!-- test: run -->``) run in order in an empty directory, the
way a reader would paste them.
"""

import glob
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
SPHINX_PACKAGES = ("sphinx", "numpydoc", "myst_parser", "pydata_sphinx_theme")

_FENCE = re.compile(r"^(<!-- test: run -->\n)?```(python|bash)\n(.*?)^```", re.S | re.M)

# Modules whose every public call has numpydoc Parameters / Returns / Examples sections, checked
# by numpydoc's own validator (add a module here once its docstrings are complete).
NUMPYDOC_MODULES = (
    "engine.index",
    "engine.meta",
    "engine.contextual",
    "engine.distill",
    "engine.classify.frequencies",
    "engine.nn",
    "engine.evaluation",
    "engine.datasets",
    "engine.errors",
    "engine.topics.space",
    "engine.topics.knn",
    "engine.topics.measures",
    "engine.topics.model",
    "engine.topics.features",
    "engine.topics.documents",
    "engine.topics.inference",
    "engine.topics.lee",
    "engine.gensim_compat",
    "engine.interop",
    "engine.export",
    "engine.classify.docvectors",
)
# no docstring; a parameter undocumented or unknown; no Returns; no Examples
NUMPYDOC_CHECKS = ("GL08", "PR01", "PR02", "RT01", "EX01")

# The optional packages whose examples need them: skipped, with the reason, where one is missing.
NEEDS = {
    "contextual.md": ("torch", "sentence_transformers"),
    "distill.md": ("torch", "sentence_transformers"),
    "score.md": ("pyarrow", "distributed"),
}


def example_blocks(text):
    """``[(language, code)]``: every python block, and the bash blocks marked to run."""
    return [(lang, code) for mark, lang, code in _FENCE.findall(text) if lang == "python" or mark]


def run_examples(blocks, cwd, name):
    """Run ``blocks`` in order in ``cwd``: consecutive python blocks as one script, each bash
    block as a script with ``engine`` the command of this checkout. Fails on the first error."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    pending, n = [], 0

    def run(cmd, what):
        r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, f"{name}: {what} failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}"

    def flush():
        nonlocal n
        if pending:
            n += 1
            script = os.path.join(cwd, f"example_{n}.py")
            with open(script, "w", encoding="utf-8") as f:
                f.write("\n".join(pending))
            run([sys.executable, script], f"python example {n}")
            pending.clear()

    for lang, code in blocks:
        if lang == "python":
            pending.append(code)
            continue
        flush()
        shell = f'engine() {{ "{sys.executable}" -m engine "$@"; }}\nset -euo pipefail\n' + code
        run(["bash", "-c", shell], "shell example")
    flush()


def _pages():
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(DOCS, "*.md")))


def test_docs_build_without_warnings(tmp_path):
    missing = [p for p in SPHINX_PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"the docs tools are not installed ({', '.join(missing)}): pip install -e '.[docs]'")
    out = tmp_path / "html"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
    cmd += ["-d", str(tmp_path / "doctrees"), DOCS, str(out)]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    log = r.stdout + r.stderr
    assert r.returncode == 0, log
    assert "WARNING" not in log and "ERROR" not in log, log
    for page in [p[:-3] for p in _pages()] + ["api/index", "api/engine", "api/engine.vectors"]:
        assert (out / f"{page}.html").is_file(), f"{page}.html was not built"
    # autodoc imported the modules and numpydoc rendered their sections
    api = (out / "api" / "engine.index.html").read_text(encoding="utf-8")
    assert "FaissIndex" in api and "Parameters" in api and "Returns" in api


@pytest.mark.parametrize("page", _pages())
def test_docs_examples_run_as_written(page, tmp_path):
    for module in NEEDS.get(page, ()):
        pytest.importorskip(module, reason=f"the examples of {page} need {module}")
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        blocks = example_blocks(f.read())
    if not blocks:
        pytest.skip(f"{page} has no runnable example")
    run_examples(blocks, tmp_path, page)


def test_every_page_is_in_the_contents():
    with open(os.path.join(DOCS, "index.md"), encoding="utf-8") as f:
        index = f.read()
    listed = set(re.findall(r"^([\w/.-]+)$", index, re.M))
    assert {p[:-3] for p in _pages() if p != "index.md"} <= listed


def _public_calls(module_name):
    module = importlib.import_module(module_name)
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
            continue
        if inspect.isfunction(obj):
            yield f"{module_name}.{name}"
        elif inspect.isclass(obj):
            yield f"{module_name}.{name}"
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (
                    inspect.isfunction(member) or isinstance(member, (classmethod, staticmethod, property))
                ):
                    yield f"{module_name}.{name}.{attr}"


@pytest.mark.parametrize("module_name", NUMPYDOC_MODULES)
def test_numpydoc_sections_on_every_public_call(module_name):
    validate = pytest.importorskip("numpydoc.validate", reason="numpydoc is not installed").validate
    problems = []
    for name in _public_calls(module_name):
        problems += [
            f"{name}: {code} {msg}" for code, msg in validate(name)["errors"] if code in NUMPYDOC_CHECKS
        ]
    assert not problems, "\n".join(problems)
