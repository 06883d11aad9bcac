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

# [index] sections
def faiss_index(v):
    _section("FAISS index (HNSW) beside exact search")
    from .index import FaissIndex, exact_search

    t = time.perf_counter()
    index = FaissIndex.build(v, "hnsw", M=16)  # M=16 (default 32) keeps the demo quick
    print(f"built {index!r} in {time.perf_counter() - t:.2f}s")
    for word in ("apple", "king", "music"):
        if word not in v:
            continue
        approx = [w for w, _ in index.most_similar(word, topn=5)]
        row = v.key_to_index[word]
        _, ids = exact_search(v.unit, v.unit[[row]], 5, exclude=[row])
        exact = [v.index_to_key[i] for i in ids[0]]
        print(f"{word:>6}: hnsw  {' '.join(approx)}")
        print(f"{'':>6}  exact {' '.join(exact)}  {'(same)' if approx == exact else ''}")
    t = time.perf_counter()
    r = index.recall(sample=300, k=10)
    print(f"recall@10 over 300 words: {r:.3f} ({time.perf_counter() - t:.2f}s); raise index.efSearch for more")

# [wmd] sections

# [meta] sections

# [classify] sections


SECTIONS = [
    similarity,
    # [search]

    # [index]
    faiss_index,

    # [wmd]

    # [meta]

    # [classify]

]


def run(args):
    v = _vectors(args)
    for section in SECTIONS:
        section(v)
