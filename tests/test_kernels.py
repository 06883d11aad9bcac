"""engine._kernels as a package: every name the code uses is re-exported, and it stays the
only importer of engine._native."""

import ast
import re
from pathlib import Path

import pytest

from engine import _kernels

ROOT = Path(__file__).resolve().parents[1]


def _sources(*dirs, suffixes=(".py",)):
    return [p for d in dirs for p in sorted((ROOT / d).rglob("*")) if p.suffix in suffixes]


@pytest.mark.parametrize(
    "name",
    sorted(
        {
            m
            for p in _sources("engine", "tests", "benchmarks")
            for m in re.findall(r"\b_kernels\.([A-Za-z]\w*)", p.read_text(encoding="utf-8"))
        }
    ),
)
def test_names_used_elsewhere_are_reexported(name):
    assert hasattr(_kernels, name)
    assert name in _kernels.__all__


def _imports_native(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.endswith("._native") for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (
            (node.module or "").endswith("_native") or any(a.name == "_native" for a in node.names)
        ):
            return True
    return False


def test_only_kernels_import_the_native_module():
    package = ROOT / "engine" / "_kernels"
    importers = [
        p.relative_to(ROOT).as_posix()
        for p in _sources("engine", suffixes=(".py",))
        if package not in p.parents and _imports_native(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert importers == []
    pyx = [p for p in _sources("engine", suffixes=(".pyx",)) if "_native" in p.read_text(encoding="utf-8")]
    assert pyx == []
