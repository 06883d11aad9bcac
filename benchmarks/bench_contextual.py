"""Throughput of engine.contextual and engine.nn, beside their peers in the same run.

- ``encode``: ContextualEncoder.encode vs sentence-transformers' own ``SentenceTransformer.encode``
  (the same model and batch size: the ratio shows engine's wrapper costs nothing);
- ``word_vectors``: contextual word vectors over a corpus (texts/s, occurrences/s), beside
  plain ``encode`` of the same texts (the forward pass is the floor);
- ``embedding_matrix`` / ``pad_batch``: engine.nn on the default vectors, beside a
  straightforward Python loop over a gensim KeyedVectors (the usual glue code).

Texts: sentences of gensim's Lee background corpus. Median of repeats, engine and peer
run alternately so that both see the same machine load. Without sentence-transformers (the
extra ``engine[contextual]``) or its model, the encoder rows are left out with a note.

    python benchmarks/bench_contextual.py [--quick]
"""

import os
import re
import sys

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_contextual.py` in a source checkout: its engine
    import _checkout  # noqa: F401
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402
from engine.nn import embedding_matrix, pad_batch  # noqa: E402

SIZES = {
    # texts: sentences encoded; known/unknown: words of the embedding matrix; docs: the Lee
    # sentences given to pad_batch, repeated `copies` times and cut at `limit`
    "tiny": dict(texts=8, repeats=1, helper_repeats=1, known=500, unknown=100, copies=1, limit=200),
    "quick": dict(texts=64, repeats=2, helper_repeats=6, known=20_000, unknown=5_000, copies=1, limit=None),
    "full": dict(texts=256, repeats=4, helper_repeats=12, known=20_000, unknown=5_000, copies=4, limit=None),
}
COLUMNS = [
    ("what", "what"),
    ("engine", "engine", "{:,.1f} {unit}"),
    ("peer", "peer, same run"),
    ("peer_value", "peer", "{:,.1f} {unit}"),
    ("ratio", "ratio", "{:.2f}×"),
]


def lee_sentences():
    with open(engine.datasets.gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        text = f.read()
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]


def _pair(table, what, peer, fns, repeats, count=None, **extra):
    """Time ``fns`` = (peer, engine) alternately and add their row: rates (``count`` items per
    call, per second) when ``count`` is given, else milliseconds; ratio = peer time / engine time."""
    t_peer, t_engine = harness.paired(fns, repeats)
    shown = (lambda t: count / t.wall) if count else (lambda t: t.wall * 1e3)
    return table.add(
        what=what,
        engine=shown(t_engine),
        peer=peer,
        peer_value=shown(t_peer),
        unit="texts/s" if count else "ms",
        ratio=t_peer.wall / t_engine.wall,
        seconds=t_engine.wall,
        **extra,
    )


def encoder_rows(table, p):
    """``encode`` beside SentenceTransformer.encode, and ``word_vectors`` beside ``encode``."""
    try:
        enc = engine.ContextualEncoder(batch_size=32)
    except engine.DependencyError as e:
        table.note(f"encoder rows left out: {e}")
        return
    texts = lee_sentences()[: p["texts"]]
    n, st = len(texts), enc.model
    enc.encode(texts[:8])  # warm-up
    _pair(
        table,
        f"`encode`, {n} Lee sentences, batch 32",
        "`SentenceTransformer.encode`",
        [
            lambda: st.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False),
            lambda: enc.encode(texts),
        ],
        p["repeats"],
        n,
    )
    r = _pair(
        table,
        "`word_vectors(corpus=…)`, same sentences",
        "`encode` of the same texts, timed alternately with it",
        [lambda: enc.encode(texts), lambda: enc.word_vectors(corpus=texts)],
        p["repeats"],
        n,
    )
    r["occurrences_per_s"] = int(enc.word_vectors(corpus=texts).counts.sum()) / r["seconds"]
    table.note(f"word_vectors: {r['occurrences_per_s']:,.0f} word occurrences per second")


def nn_rows(table, p):
    """``embedding_matrix`` and ``pad_batch`` beside the usual glue code over gensim."""
    from gensim.models import KeyedVectors
    from gensim.utils import simple_preprocess

    v = engine.datasets.default_vectors()
    kv = KeyedVectors(v.vector_size)
    kv.add_vectors(v.index_to_key, v.vectors)
    rng = np.random.default_rng(0)
    known = rng.choice(v.index_to_key, p["known"], replace=False).tolist()
    vocab = known + [f"oov{i}" for i in range(p["unknown"])]

    def glue_matrix():
        m = np.zeros((len(vocab), kv.vector_size), dtype=np.float32)
        for i, w in enumerate(vocab):
            if w in kv.key_to_index:
                m[i] = kv[w]
        return m

    np.testing.assert_array_equal(glue_matrix(), embedding_matrix(v, vocab)[0])
    _pair(
        table,
        f"`embedding_matrix`, {len(vocab):,} words ({p['unknown']:,} unknown) × {v.vector_size}",
        "a Python loop over a gensim `KeyedVectors`",
        [glue_matrix, lambda: embedding_matrix(v, vocab)],
        p["helper_repeats"],
    )
    docs = (lee_sentences() * p["copies"])[: p["limit"]]
    index = {w: i for i, w in enumerate(vocab)}

    def glue_pad():
        rows = [[index[t] for t in simple_preprocess(d) if t in index] for d in docs]
        ids = np.zeros((len(rows), max(len(r) for r in rows)), dtype=np.int64)
        for b, r in enumerate(rows):
            ids[b, : len(r)] = r
        return ids

    _pair(
        table,
        f"`pad_batch`, {len(docs):,} texts",
        "`simple_preprocess` + dict lookups + numpy fill",
        [glue_pad, lambda: pad_batch(docs, index)],
        p["helper_repeats"],
    )


def run(quick=False, *, tiny=False):
    """The encoder rows, then the engine.nn rows; one row per call."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    bench = harness.Bench("contextual", "Contextual encoder and engine.nn helpers", size)
    table = bench.table(
        "throughput beside the peers",
        COLUMNS,
        intro=f"Engine and peer timed alternately, median of {p['repeats']} runs for the encoder and "
        f"{p['helper_repeats']} for the helpers; ratio = the peer's time over engine's.",
    )
    try:  # imported first, so that limit_threads holds torch's own pool too
        import torch  # noqa: F401
    except ImportError:
        pass
    with harness.limit_threads(engine.get_num_threads()):
        encoder_rows(table, p)
        nn_rows(table, p)
    if "torch" in sys.modules:
        table.note(
            f"torch ran on {sys.modules['torch'].get_num_threads()} threads (set with "
            "`torch.set_num_threads` to engine's count; threadpoolctl held the BLAS pools to it)"
        )
    return bench.finish()


def main(argv=None):
    harness.main(run, __doc__, argv)


if __name__ == "__main__":
    main()
