"""`engine score` tasks: nearest words, zero-shot labels and WMD neighbours against references."""

import json

import numpy as np
import pytest
from _score_helpers import make_rows, read_table, write_table

import engine
from engine import score as sc
from engine.cli import main


@pytest.fixture(scope="module")
def vpath():
    return engine.datasets.default_path()


@pytest.fixture(scope="module")
def vectors(vpath):
    return engine.load(vpath, mmap=True)


@pytest.fixture(scope="module")
def rows(vectors):
    return make_rows(vectors)


@pytest.mark.parametrize("weighting", ["mean", "sif"])
def test_in_memory_neighbors_match_a_numpy_reference(vectors, rows, weighting):
    texts = [r["text"] for r in rows[:60]]
    got = sc.score_texts(vectors, sc.Neighbors(k=4, weighting=weighting), texts)
    from engine._text import tokenize

    unit = np.asarray(vectors.unit, dtype=np.float64)
    # float64 reference of the document vector: weights and component from DocumentVectors' fit
    dv = engine.DocumentVectors(vectors, weighting).fit()
    weights = np.asarray(dv.word_weights_, dtype=np.float64)
    comps = np.asarray(dv.components_, dtype=np.float64)
    for t, nb, sims in zip(texts, got["neighbors"], got["similarities"]):
        ids = [vectors.key_to_index[w] for w in tokenize(t) if w in vectors.key_to_index]
        if not ids:
            assert nb == [] and sims == []
            continue
        q = (unit[ids] * weights[ids, None]).sum(0) / len(ids)
        q -= comps.T @ (comps @ q)
        q /= np.linalg.norm(q)
        ref = unit @ q
        np.testing.assert_allclose(sims, ref[vectors.ids(nb)], atol=2e-5)
        assert sims[0] == pytest.approx(ref.max(), abs=2e-5)
        assert sims == sorted(sims, reverse=True)
        assert sims[-1] >= np.sort(ref)[-4] - 2e-5


def test_neighbors_of_a_text_are_its_content_words_not_stop_words(vectors):
    texts = [
        "the cat sat on the mat in the house",
        "a bowl of hot soup with fresh bread",
        "the team won the match in the final minute",
        "the stock market fell in the morning as investors sold shares",
    ]
    stop = {"the", "in", "of", "a", "an", "on", "with", "as", "and", "to"}
    sif = sc.score_texts(vectors, sc.Neighbors(k=5), texts)["neighbors"]
    mean = sc.score_texts(vectors, sc.Neighbors(k=5, weighting="mean"), texts)["neighbors"]
    for near in sif:
        assert not stop & set(near), near
    assert sum(len(stop & set(near)) for near in mean) >= 8  # what the unweighted mean gave
    assert {"cat", "mat"} <= set(sif[0]) and "soup" in sif[1] and "match" in sif[2]


def test_neighbors_of_words(tmp_path, vpath, vectors):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_table(src, "jsonl", [{"id": 1, "text": "apple apple car xyzzy"}, {"id": 2, "text": "qqq"}])
    task = sc.Neighbors(k=2, of="words")
    sc.score_file(str(src), str(out), vpath, task, id_field="id")
    got = read_table(out, "jsonl", None)
    assert got[0]["words"] == ["apple", "car"] and got[1] == {
        "id": 2,
        "words": [],
        "neighbors": [],
        "similarities": [],
    }
    ref = vectors.most_similar_batch(["apple", "car"], topn=2)
    assert got[0]["neighbors"] == [[w for w, _ in r] for r in ref]
    assert "apple" not in got[0]["neighbors"][0] and "car" not in got[0]["neighbors"][1]


def test_zeroshot_labels_match_the_classifier(tmp_path, vpath, vectors, rows, capsys):
    labels = {
        "food": "food meal cooking fruit",
        "travel": "travel car road city",
        "people": "people family friends",
    }
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    src, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    write_table(src, "csv", rows)
    assert (
        main(
            [
                "score",
                "zeroshot",
                str(src),
                "-o",
                str(out),
                "--labels",
                str(tmp_path / "labels.json"),
                "--all-scores",
                "--id-field",
                "id",
                "--vectors",
                vpath,
                "--batch-size",
                "1000",
            ]
        )
        == 0
    )
    got = read_table(out, "jsonl", None)
    clf = engine.ZeroShotClassifier(vectors, labels).fit()
    texts = [r["text"] for r in rows]
    proba = clf.predict_proba(texts)
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    assert [g["label"] for g in got] == clf.predict(texts).tolist()
    assert [g["score"] for g in got] == proba.max(axis=1).tolist()
    for j, name in enumerate(clf.classes_):
        assert [g[f"p_{name}"] for g in got] == proba[:, j].tolist()
    assert list(got[0]) == ["id", "label", "score", "p_food", "p_travel", "p_people"]


def test_wmd_knn_matches_brute_force_distances(tmp_path, vpath, vectors):
    corpus = [
        "the cat sat on the mat",
        "a dog runs in the park",
        "stock market prices fell",
        "the football team won the game",
        "xyzzy qqq",
        "my cat sleeps on a sofa",
    ]
    (tmp_path / "corpus.csv").write_text("cid,body\n" + "".join(f"c{i},{t}\n" for i, t in enumerate(corpus)))
    queries = [
        {"id": 1, "text": "a cat on the sofa"},
        {"id": 2, "text": "zzzz"},
        {"id": 3, "text": "the team played"},
    ]
    src, out = tmp_path / "q.jsonl", tmp_path / "out.parquet"
    write_table(src, "jsonl", queries)
    assert (
        main(
            [
                "score",
                "wmd-knn",
                str(src),
                "-o",
                str(out),
                "--corpus",
                str(tmp_path / "corpus.csv"),
                "--corpus-text-field",
                "body",
                "--corpus-id-field",
                "cid",
                "--k",
                "3",
                "--id-field",
                "id",
                "--vectors",
                vpath,
            ]
        )
        == 0
    )
    got = read_table(out, "parquet", None)
    wmd = engine.WMD(vectors)
    for q, g in zip(queries, got):
        d = [wmd.distance(q["text"], c) for c in corpus]
        best = sorted((x, j) for j, x in enumerate(d) if np.isfinite(x))[:3]
        assert g["id"] == q["id"]
        assert g["neighbors"] == [f"c{j}" for _, j in best]
        np.testing.assert_allclose(g["distances"], [x for x, _ in best], rtol=1e-9, atol=1e-9)
    assert got[1]["neighbors"] == [] and got[1]["distances"] == []


def test_task_parameters_are_checked_once_and_labels_read_as_the_classifier_reads_them(tmp_path):
    with pytest.raises(engine.EngineError, match=r"neighbors: k must be an int in \[1, inf\), got 0"):
        sc.Neighbors(k=0)
    with pytest.raises(engine.EngineError, match="neighbors: k must be an int"):
        sc.Neighbors(k=True)
    with pytest.raises(engine.EngineError, match="neighbors: weighting must be one of"):
        sc.Neighbors(weighting="tfidf")
    with pytest.raises(engine.EngineError, match="neighbors: of must be one of 'text', 'words'"):
        sc.Neighbors(of="sentence")
    with pytest.raises(engine.EngineError, match="wmd-knn: k must be an int"):
        sc.WMDNeighbors(str(tmp_path / "corpus.csv"), k=2.5)
    assert sc.Neighbors(k=np.int64(3)) == sc.Neighbors(k=3)
    # word lists, descriptions and bare names: the forms engine.classify.label_spec reads
    task = sc.ZeroShot({"sport": ["goal", "team"], "food": "food meal"})
    assert task.labels == (("sport", ("goal", "team")), ("food", "food meal"))
    assert hash(task) == hash(sc.ZeroShot({"sport": ["goal", "team"], "food": "food meal"}))
    assert sc.ZeroShot(["ice_cream"]).labels == (("ice_cream", "ice cream"),)
    with pytest.raises(engine.EngineError, match="at least one label"):
        sc.ZeroShot({})
