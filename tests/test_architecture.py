"""The architecture page's module tree is the package as it is: every module, no ghost."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _modules_on_disk():
    found = set()
    for folder, dirs, files in os.walk(os.path.join(ROOT, "engine")):
        dirs[:] = [d for d in dirs if os.path.isfile(os.path.join(folder, d, "__init__.py"))]
        rel = os.path.relpath(folder, ROOT)
        found |= {os.path.join(rel, f) for f in files if f.endswith((".py", ".pyx"))}
    return found


def _modules_in_the_page():
    text = open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8").read()
    tree = re.search(r"## The modules.*?```text\n(.*?)```", text, re.S).group(1).splitlines()
    assert tree[0] == "engine/"
    found, stack = set(), ["engine"]
    for line in tree[1:]:
        depth = (len(line) - len(line.lstrip(" "))) // 4
        name = line.split()[0]
        del stack[depth:]
        if name.endswith("/"):
            stack.append(name.rstrip("/"))
        else:
            found.add(os.path.join(*stack, name))
    return found


def test_the_module_tree_lists_every_module_and_no_other():
    on_disk, in_page = _modules_on_disk(), _modules_in_the_page()
    assert sorted(on_disk - in_page) == [], "modules missing from docs/architecture.md"
    assert sorted(in_page - on_disk) == [], "docs/architecture.md lists modules that do not exist"
