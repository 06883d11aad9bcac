"""``engine demo``: a tour on the embedded default vectors. Each capability adds a section."""
import time


def _section(title):
    print(f"\n== {title} " + "=" * max(0, 66 - len(title)))


def _vectors(args):
    from . import datasets
    from .io import load

    t = time.perf_counter()
    v = load(args.vectors, mmap=True) if args.vectors else datasets.default_vectors(mmap=True)
    src = args.vectors or datasets.default_path()
    print(f"loaded {len(v):,} words × {v.vector_size} dims from {src} in {time.perf_counter() - t:.3f}s")
    return v


def similarity(v):
    _section("similarity")
    for a, b in [("apple", "banana"), ("apple", "car"), ("king", "queen"), ("king", "cabbage")]:
        if a in v and b in v:
            print(f"similarity({a!r}, {b!r}) = {v.similarity(a, b):.3f}")


# [search] sections
def search(v):
    _section("most_similar and batched search")
    for word in ("apple", "king"):
        if word in v:
            hits = v.most_similar(word, topn=5)
            print(f"most_similar({word!r}): " + ", ".join(f"{w} {s:.3f}" for w, s in hits))
    if all(w in v for w in ("king", "woman", "man")):
        hits = v.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
        print("king - man + woman: " + ", ".join(f"{w} {s:.3f}" for w, s in hits))
    queries = v.index_to_key[: min(len(v), 2048)]
    v.search(queries[:16], k=10)  # warm-up: page the matrix in
    t = time.perf_counter()
    scores, ids = v.search(queries, k=10)
    dt = time.perf_counter() - t
    print(f"search: {len(queries):,} queries × {len(v):,} words, k=10 in {dt:.3f}s "
          f"({len(queries) / dt:,.0f} queries/s)")


# [index] sections

# [wmd] sections

# [meta] sections
def meta_embeddings(v):
    _section("meta-embeddings")
    from . import datasets
    from .meta import MetaEmbeddings
    from .vectors import Vectors

    lee = Vectors.from_gensim(datasets.word2vec_keyedvectors())  # Word2Vec trained on the Lee corpus
    t = time.perf_counter()
    meta = MetaEmbeddings([v, lee], method="conc", weights="auto", names=["default", "lee word2vec"])
    print(f"MetaEmbeddings([default, lee word2vec], weights='auto') in {time.perf_counter() - t:.2f}s")
    print(meta.report)
    for word in ("apple", "king"):
        if word in meta.wv.key_to_index:
            near = ", ".join(f"{w} {s:.2f}" for w, s in meta.wv.most_similar(word, topn=6))
            print(f"meta.wv.most_similar({word!r}): {near}")
    print(f"meta.wv['apple'][:5] = {meta.wv['apple'][:5].round(3)}")


# [classify] sections


SECTIONS = [
    similarity,
    # [search]
    search,

    # [index]

    # [wmd]

    # [meta]
    meta_embeddings,

    # [classify]

]


def run(args):
    v = _vectors(args)
    for section in SECTIONS:
        section(v)
