"""Scoring on a Dask LocalCluster (2 worker processes) gives exactly the local results."""

import json
import os

import numpy as np
import pytest

import engine
from engine import score as sc
from engine.score.tasks import check_columns

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

LABELS = {
    "sport": "sport football team game match",
    "food": "food cooking meal recipe bread",
    "tech": "computer software internet data",
}


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            env={"OPENBLAS_NUM_THREADS": "1"},
        ) as c,
        distributed.Client(c) as client,
    ):
        yield c, client


@pytest.fixture(scope="module")
def texts():
    v = engine.datasets.default_vectors()
    words = v.index_to_key[1000:3000]
    import random

    rng = random.Random(3)
    out = [" ".join(rng.choices(words, k=rng.randint(2, 10))) for _ in range(90)]
    out[5] = "qwzx"  # no known word
    return out


_SCORERS = {}


def _local(task, texts):
    """The local in-memory scoring (its scorer built once per task, as a worker does)."""
    if task not in _SCORERS:
        _SCORERS[task] = task.scorer(engine.datasets.default_vectors())
    return check_columns(task, _SCORERS[task](texts), len(texts))


def _as_lists(df, columns):
    return {
        name: [None if isinstance(x, float) and x != x else x for x in df[name].tolist()] for name in columns
    }


@pytest.mark.parametrize(
    "task", [sc.Neighbors(k=4), sc.ZeroShot(LABELS, all_scores=True)], ids=["neighbors", "zeroshot"]
)
def test_score_dask_equals_local(cluster, texts, task):
    from engine.score import score_dask

    pdf = pd.DataFrame(
        {"key": [f"k{i}" for i in range(len(texts))], "text": texts},
        index=pd.RangeIndex(100, 100 + len(texts)),
    )
    ddf = dd.from_pandas(pdf, npartitions=4)
    out = score_dask(ddf, engine.datasets.default_path(), task, id_field="key")
    assert isinstance(out, dd.DataFrame)
    got = out.compute()
    assert got.index.tolist() == pdf.index.tolist()  # order and index kept
    assert got["key"].tolist() == pdf["key"].tolist()
    names = [n for n, _ in task.columns()]
    # exactly the local results for the same chunks of texts (the partitions)...
    local = {n: [] for n in names}
    for part in ddf.partitions:
        for n, vals in _local(task, part["text"].compute().tolist()).items():
            local[n] += vals
    assert _as_lists(got, names) == local
    # ...and, for any chunking, the same labels and neighbours; float sums may round differently
    # in the last bits when BLAS sees another batch size
    whole = _local(task, texts)
    for n, kind in task.columns():
        if kind == "float":
            np.testing.assert_allclose(got[n].to_numpy(), whole[n], rtol=0, atol=1e-6)
        elif n != "similarities":
            assert got[n].tolist() == whole[n]


def test_workers_load_the_vectors_once_memory_mapped(cluster, texts):
    from engine.score import score_dask

    _, client = cluster
    ddf = dd.from_pandas(pd.DataFrame({"text": texts}), npartitions=6)
    score_dask(ddf, engine.datasets.default_path(), sc.Neighbors(k=2)).compute()

    def probe():
        import numpy as np

        from engine.score import dask as dist

        return [
            (len(dist._VECTORS), isinstance(v.unit.base, np.memmap) or isinstance(v.unit, np.memmap))
            for v in dist._VECTORS.values()
        ]

    per_worker = client.run(probe)
    assert len(per_worker) == 2
    for loaded in per_worker.values():
        assert loaded in ([], [(1, True)])
    assert any(loaded for loaded in per_worker.values())


def test_score_dask_bad_rows(cluster):
    from engine.score import score_dask

    pdf = pd.DataFrame({"text": ["apple pie", None, "fast car"]}, index=[10, 11, 12])
    ddf = dd.from_pandas(pdf, npartitions=1)
    with pytest.raises(sc.BadRowError, match="row with index 11: field 'text' is not text"):
        score_dask(ddf, engine.datasets.default_path(), sc.Neighbors(k=2)).compute()
    out = score_dask(ddf, engine.datasets.default_path(), sc.Neighbors(k=2), on_error="skip").compute()
    assert out.index.tolist() == [10, 12]
    with pytest.raises(engine.EngineError, match="no column 'body'"):
        score_dask(ddf, engine.datasets.default_path(), sc.Neighbors(k=2), text_field="body")


def test_cli_dask_writes_the_same_file_as_a_local_run(cluster, tmp_path, texts):
    from engine.cli import main

    c, _ = cluster
    src = tmp_path / "in.jsonl"
    with open(src, "w") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": i, "text": t}) + "\n")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(LABELS))
    base = ["score", "zeroshot", str(src), "--labels", str(labels), "--id-field", "id", "--batch-size", "16"]
    assert main(base + ["-o", str(tmp_path / "local.csv")]) == 0
    assert main(base + ["-o", str(tmp_path / "dask.csv"), "--dask", c.scheduler_address]) == 0
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert not os.path.exists(str(tmp_path / "dask.csv") + sc.CHECKPOINT_SUFFIX)


def test_cli_dask_unreachable_scheduler_exits_4(tmp_path, capsys):
    from engine.cli import main

    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "apple"}\n')
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(SystemExit) as e:
        main(["score", "neighbors", str(src), "--dask", "tcp://127.0.0.1:9"])
    assert e.value.code == 4
    assert "cannot connect" in capsys.readouterr().err
