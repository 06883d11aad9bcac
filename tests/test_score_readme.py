"""The README's batch-scoring example runs as written (the shell job, then the Python one)."""

import csv
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blocks():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## Batch scoring") : text.index("## Contextual encoders and neural networks")]
    return re.findall(r"```(bash|python)\n(.*?)```", section, re.S)


def test_readme_batch_job_runs_as_written(tmp_path):
    pytest.importorskip("pyarrow")
    pytest.importorskip("distributed")
    (lang, shell), (lang2, python) = _blocks()[:2]
    assert (lang, lang2) == ("bash", "python")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # `engine` as the installed console script would run it
    script = f'engine() {{ "{sys.executable}" -m engine "$@"; }}\nset -euo pipefail\n' + shell
    r = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("id,label,score\na1,sport,0.9")
    assert r.stderr.count("3 rows written") == 5
    labels = list(csv.DictReader(open(tmp_path / "labels.csv")))
    assert [x["label"] for x in labels] == ["sport", "food", "money"]
    piped = [json.loads(line) for line in open(tmp_path / "labels.jsonl")]
    assert [x["label"] for x in piped] == ["sport", "food", "money"] and "id" not in piped[0]
    words = [json.loads(line) for line in open(tmp_path / "words.jsonl")]
    assert [len(w["neighbors"]) for w in words] == [5, 5, 5]
    import pyarrow.parquet as pq

    near = pq.read_table(tmp_path / "nearest.parquet").to_pylist()
    assert [n["neighbors"][0] for n in near] == ["a1", "a2", "a3"]  # each text is nearest itself
    assert [n["distances"][0] for n in near] == pytest.approx([0, 0, 0], abs=1e-6)

    (tmp_path / "job.py").write_text(python)
    r = subprocess.run([sys.executable, "job.py"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "3 rows written to labels.parquet" in r.stdout
    assert re.search(r"0\s+a1\s+sport.*\n1\s+a2\s+food.*\n2\s+a3\s+money", r.stdout)
