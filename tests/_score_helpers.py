"""Shared builders for the `engine score` tests: rows of real words, tables in every format,
and the rows a run is expected to write (from the in-memory call)."""

import csv
import json
import os
import random

from engine import score as sc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMATS = ["jsonl", "csv", "tsv", "parquet"]
TASK = sc.Neighbors(k=3)


def make_rows(vectors):
    """Texts of real words with ids; some with unknown words only, punctuation, non-ASCII, empty."""
    rng = random.Random(7)
    words = vectors.index_to_key[:4000]
    out = []
    for i in range(120):
        t = " ".join(rng.choices(words, k=rng.randint(1, 12)))
        if i % 17 == 0:
            t = "zzqx blorf"  # no known word
        elif i % 19 == 0:
            t = f"Café, {t}! «ok»"
        elif i % 23 == 0:
            t = ""
        elif i % 29 == 0:
            t = t + '\n"quoted", with\ttab'  # CSV/TSV must quote it
        out.append({"id": f"doc-{i}", "text": t})
    return out


def write_table(path, fmt, records, fields=("id", "text")):
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps({k: r[k] for k in fields if k in r}) + "\n")
    elif fmt in ("csv", "tsv"):
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
            w.writerow(fields)
            for r in records:
                w.writerow([r.get(k, "") for k in fields])
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        ids = [str(r["id"]) for r in records]  # one Arrow type per column
        pq.write_table(pa.table({"id": ids, "text": [r["text"] for r in records]}), path, row_group_size=50)


def read_table(path, fmt, columns):
    """Rows of an output table as dicts of Python values (CSV/TSV lists decoded from JSON)."""
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t" if fmt == "tsv" else ",")
        assert reader.fieldnames == columns
        out = []
        for r in reader:
            out.append(
                {
                    k: (
                        json.loads(v)
                        if k not in ("id", "label") and v.startswith("[")
                        else (float(v) if k in ("score",) or k.startswith("p_") else v)
                    )
                    for k, v in r.items()
                }
            )
        return out


def expected_rows(vectors, records, task=TASK, id_as=None):
    cols = sc.score_texts(vectors, task, [r["text"] for r in records])
    out = []
    for i, r in enumerate(records):
        row = {"id": id_as(r["id"]) if id_as else r["id"]}
        row.update({name: cols[name][i] for name, _ in task.columns()})
        out.append(row)
    return out
