"""Docstrings filled by ``engine._docstrings.fill_doc``, and kept where the mutation pass can reach.

``fill_doc`` on a class fills its methods' docstrings, so a method carries no decorator of its
own: mutmut 3 (the mutation pass, docs/evidence.md) does not mutate a function with a decorator
other than a lone ``@staticmethod``/``@classmethod``. Not part of the pass's test selection (in
its work folder the mutated files carry mutmut's own decorators).
"""

import ast
import glob
import importlib
import inspect
import os
import pkgutil
import re

import engine


def test_no_function_of_the_pass_carries_a_decorator_mutmut_skips():
    # mutmut 3 leaves a function with a decorator other than a lone @staticmethod/@classmethod
    # unmutated: a method gets its docstring parts from @fill_doc on its class instead
    # (engine/_docstrings.py); the kernels' caches and context manager get theirs by assignment
    mutation = importlib.import_module("mutation")  # tests/mutation.py, the pass itself
    skipped = []
    for pattern in mutation.ONLY_MUTATE:
        for path in sorted(glob.glob(os.path.join(mutation.ROOT, pattern))):
            for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
                    names = [ast.unparse(d) for d in node.decorator_list]
                    if names not in (["staticmethod"], ["classmethod"]):
                        skipped.append(f"{os.path.basename(path)}:{node.name}")
    assert skipped == []


def test_every_docstring_of_the_package_is_filled():
    # a placeholder line left in a docstring would mean a class or function lacks @fill_doc
    placeholder = re.compile(r"^[ \t]*%\(\w+\)s[ \t]*$", re.M)
    unfilled = []
    for info in pkgutil.walk_packages(engine.__path__, "engine."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        objects = [module]
        for obj in vars(module).values():
            if getattr(obj, "__module__", None) == info.name and (
                inspect.isfunction(obj) or inspect.isclass(obj)
            ):
                objects.append(obj)
                if inspect.isclass(obj):
                    for m in vars(obj).values():
                        objects += [m, getattr(m, "__func__", None), getattr(m, "fget", None)]
        unfilled += [
            getattr(o, "__qualname__", info.name)
            for o in objects
            if isinstance(getattr(o, "__doc__", None), str) and placeholder.search(o.__doc__)
        ]
    assert unfilled == []
