"""The mutation pass (docs/evidence.md, "Mutation testing"): mutmut over the kernels' Python
edge and a few capabilities, each mutant run against the test files that exercise it.

    python -m tests.mutation --workdir DIR [--max-children N] [MUTANT ...]   # then: cd DIR && mutmut results

mutmut 3 rewrites every function of the files matched by ``ONLY_MUTATE`` into a trampoline
that can switch in each mutant, and copies the package it mutates into ``WORKDIR/mutants``.
This runs it in a scratch copy of the checkout (``engine/`` with its built native modules,
``tests/`` and ``pyproject.toml`` with the ``[tool.mutmut]`` table below appended), so the
checkout itself never holds a ``mutants/`` folder. Only ``TESTS`` are run: mutmut first runs
them once to learn which tests reach which function, then runs, for each mutant, only those.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONLY_MUTATE = [
    "engine/_kernels/*.py",
    "engine/search.py",
    "engine/wmd/*.py",
    "engine/classify/fewshot.py",
]
TESTS = [
    "tests/test_kernels.py",
    "tests/test_search_kernel.py",
    "tests/test_search_api.py",
    "tests/test_wmd.py",
    "tests/test_wmd_solver.py",
    "tests/test_classify_fewshot.py",
    "tests/test_classify_episodes.py",
    "tests/test_mutation_*.py",  # the tests written to kill the pass's survivors
    # the kernels whose tests live elsewhere: meta, topics, docvec, compressed, hnsw, dispatch
    "tests/test_meta.py",
    "tests/test_topics_*.py",
    "tests/test_classify_embedder.py",
    "tests/test_docvectors.py",
    "tests/test_compressed.py",
    "tests/test_index_hnsw.py",
    "tests/test_dispatch.py",
]


def tests():
    """``TESTS`` with their patterns expanded, as paths from the checkout's root."""
    found = []
    for pattern in TESTS:
        found += sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern)))
    return found


def config():
    """The ``[tool.mutmut]`` table of the run."""

    def toml_list(items):
        return "[" + ", ".join(f'"{x}"' for x in items) + "]"

    return "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["engine/"]',
            f"only_mutate = {toml_list(ONLY_MUTATE)}",
            f"pytest_add_cli_args_test_selection = {toml_list(tests())}",
            # forked from a server that never ran a test: a worker forked from a process whose
            # OpenMP pool has run hangs in its first parallel region (every mutant a timeout)
            'process_isolation = "forkserver"',
            # the project's addopts collect doctests from engine/: not part of this pass
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-o", "addopts=", "-q"]',
            "",
        ]
    )


def prepare(workdir):
    """A scratch copy of the checkout for mutmut: engine/ (native modules included), tests/,
    pyproject.toml with the mutmut table."""
    os.makedirs(workdir, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for d in ("engine", "tests"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(workdir, d), ignore=ignore, dirs_exist_ok=True)
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        text = f.read().split("\n[tool.mutmut]")[0]
    with open(os.path.join(workdir, "pyproject.toml"), "w") as f:
        f.write(text + config())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "engine-mutation"))
    p.add_argument("--max-children", type=int, default=1)
    p.add_argument("mutants", nargs="*", help="mutant names to (re)run (default: all)")
    args = p.parse_args(argv)
    prepare(args.workdir)
    env = dict(os.environ, PYTHONPATH="")
    # the mutmut command, not `python -m mutmut`: -m puts the working directory first on
    # sys.path, and the tests would import the unmutated engine/ beside mutants/
    mutmut = [shutil.which("mutmut") or "mutmut"]
    rc = subprocess.call(
        [*mutmut, "run", "--max-children", str(args.max_children), *args.mutants], cwd=args.workdir, env=env
    )
    subprocess.call([*mutmut, "results"], cwd=args.workdir, env=env)
    return rc


if __name__ == "__main__":
    sys.exit(main())
