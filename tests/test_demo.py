"""`engine demo`, run end to end as the README's `make demo` runs it: every section prints and
its answers are the ones a user is shown (computed here again where they can be)."""

import re
import subprocess
import sys

import pytest

import engine
from engine import datasets


@pytest.fixture(scope="module")
def demo():
    r = subprocess.run([sys.executable, "-m", "engine", "demo"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    return r.stdout


def test_every_section_runs(demo):
    sections = re.findall(r"^== (.+?) =+$", demo, flags=re.M)
    assert sections == [
        "similarity",
        "most_similar and batched search",
        "FAISS index (HNSW) beside exact search",
        "Word Mover's Distance",
        "meta-embeddings",
        "zero-shot classification",
        "topic space (LDA on the Lee corpus)",
    ]


def test_the_answers_shown_are_engines(demo):
    v = datasets.default_vectors()
    sim = float(re.search(r"similarity\('king', 'queen'\) = ([\d.]+)", demo).group(1))
    assert sim == pytest.approx(v.similarity("king", "queen"), abs=5e-4)
    top = [w for w, _ in v.most_similar("king", topn=5)]
    assert re.search(r"most_similar\('king'\): (.*)", demo).group(1).split()[::2] == top
    assert re.search(r"king - man \+ woman: (\w+)", demo).group(1) == "queen"
    assert demo.count("(same)") == 3  # HNSW agrees with exact search on the three words shown
    wmd = float(
        re.search(r"wmd\('The cat sat on the mat', 'A dog lay on the rug'\) = ([\d.]+)", demo).group(1)
    )
    assert wmd == pytest.approx(
        engine.WMD(v).distance("The cat sat on the mat", "A dog lay on the rug"), abs=5e-5
    )
    labels = re.findall(r"^(sport|food|technology|politics)\s+p=", demo, flags=re.M)
    assert labels == ["sport", "food", "technology", "politics"]
    assert "no known word: uniform" in demo
