"""Throughput of engine.contextual and engine.nn, beside their peers in the same run.

- ``encode``: ContextualEncoder.encode vs sentence-transformers' own ``SentenceTransformer.encode``
  (the same model and batch size: the ratio shows engine's wrapper costs nothing);
- ``word_vectors``: contextual word vectors over a corpus (texts/s, occurrences/s), beside
  plain ``encode`` of the same texts (the forward pass is the floor);
- ``embedding_matrix`` / ``pad_batch``: engine.nn on the default vectors, beside a
  straightforward Python loop over a gensim KeyedVectors (the usual glue code).

Texts: sentences of gensim's Lee background corpus. Median of repeats, engine and peer
run alternately so that both see the same machine load.

    python benchmarks/bench_contextual.py [--quick]
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import engine  # noqa: E402
from engine.nn import embedding_matrix, pad_batch  # noqa: E402


def paired_times(peer, ours, repeats):
    """Median seconds of ``peer`` and ``ours``, run alternately so both see the same load."""
    t_peer, t_ours = [], []
    for r in range(repeats):
        for fn, times in ((peer, t_peer), (ours, t_ours)) if r % 2 == 0 else ((ours, t_ours), (peer, t_peer)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(t_peer), statistics.median(t_ours)


def lee_sentences():
    import re

    with open(engine.datasets.gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        text = f.read()
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer texts and repeats")
    args = ap.parse_args(argv)
    n_texts, repeats = (64, 2) if args.quick else (256, 4)

    import torch
    from gensim.models import KeyedVectors

    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    print(
        f"machine: {cpu}, {os.cpu_count()} cores; engine threads {engine.get_num_threads()}, "
        f"torch threads {torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f}"
    )

    texts = lee_sentences()[:n_texts]
    enc = engine.ContextualEncoder(batch_size=32)
    st = enc.model
    enc.encode(texts[:8])  # warm-up
    t_st, t_enc = paired_times(
        lambda: st.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False),
        lambda: enc.encode(texts),
        repeats,
    )
    t_enc2, t_wv = paired_times(lambda: enc.encode(texts), lambda: enc.word_vectors(corpus=texts), repeats)
    occurrences = int(enc.word_vectors(corpus=texts).counts.sum())
    print(f"\nencode, {len(texts)} Lee sentences (batch 32):")
    print(f"  sentence-transformers encode : {len(texts) / t_st:8.1f} texts/s")
    print(f"  engine ContextualEncoder     : {len(texts) / t_enc:8.1f} texts/s  (ratio {t_st / t_enc:.2f}x)")
    print(
        f"  engine word_vectors(corpus)  : {len(texts) / t_wv:8.1f} texts/s, "
        f"{occurrences / t_wv:,.0f} occurrences/s ({t_enc2 / t_wv:.2f}x of encode, same run)"
    )

    v = engine.datasets.default_vectors()
    kv = KeyedVectors(v.vector_size)
    kv.add_vectors(v.index_to_key, v.vectors)
    rng = np.random.default_rng(0)
    vocab = list(rng.choice(v.index_to_key, 20000, replace=False)) + [f"oov{i}" for i in range(5000)]

    def glue_matrix():
        m = np.zeros((len(vocab), kv.vector_size), dtype=np.float32)
        for i, w in enumerate(vocab):
            if w in kv.key_to_index:
                m[i] = kv[w]
        return m

    t_glue, t_em = paired_times(glue_matrix, lambda: embedding_matrix(v, vocab), 3 * repeats)
    np.testing.assert_array_equal(glue_matrix(), embedding_matrix(v, vocab)[0])
    print(f"\nembedding_matrix, {len(vocab):,} words (5,000 unknown), dim {v.vector_size}:")
    print(f"  gensim KeyedVectors loop     : {t_glue * 1e3:8.1f} ms")
    print(f"  engine embedding_matrix      : {t_em * 1e3:8.1f} ms  (ratio {t_glue / t_em:.2f}x)")

    docs = lee_sentences() * (1 if args.quick else 4)
    index = {w: i for i, w in enumerate(vocab)}

    def glue_pad():
        from gensim.utils import simple_preprocess

        rows = [[index[t] for t in simple_preprocess(d) if t in index] for d in docs]
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        for b, r in enumerate(rows):
            ids[b, : len(r)] = r
        return ids

    t_gp, t_pb = paired_times(glue_pad, lambda: pad_batch(docs, index), 3 * repeats)
    print(f"\npad_batch, {len(docs):,} texts:")
    print(f"  simple_preprocess + loop     : {t_gp * 1e3:8.1f} ms")
    print(f"  engine pad_batch             : {t_pb * 1e3:8.1f} ms  (ratio {t_gp / t_pb:.2f}x)")


if __name__ == "__main__":
    main()
