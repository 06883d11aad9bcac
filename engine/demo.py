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

# [wmd] sections
def wmd(v):
    _section("Word Mover's Distance")
    from .wmd import WMD

    w = WMD(v)
    pairs = [
        ("Obama speaks to the media in Illinois", "The president greets the press in Chicago"),
        ("Obama speaks to the media in Illinois", "The band played music all night"),
        ("The cat sat on the mat", "A dog lay on the rug"),
    ]
    for a, b in pairs:
        print(f"wmd({a!r}, {b!r}) = {w.distance(a, b):.4f}")
    from gensim.utils import simple_preprocess

    from .datasets import gensim_test_file

    with open(gensim_test_file("lee_background.cor"), encoding="utf-8", errors="replace") as f:
        sents = [s for line in f for s in line.split(". ") if len(s.split()) >= 8][:2000]
    t = time.perf_counter()
    res = w.knn(["Australian cricket team wins the test match"], sents, k=3)
    took = time.perf_counter() - t
    print(f"3 nearest of {len(sents)} sentences from lee_background.cor to 'Australian cricket team wins the test match':")
    for i, d in zip(res.indices[0], res.distances[0]):
        print(f"  {d:.4f}  {' '.join(simple_preprocess(sents[i]))[:90]}")
    print(f"exact solves needed: {int(res.n_exact[0])} of {len(sents)} (the rest pruned by WCD/RWMD/ICT "
          f"lower bounds), {took * 1000:.0f} ms")


# [meta] sections

# [classify] sections


SECTIONS = [
    similarity,
    # [search]

    # [index]

    # [wmd]
    wmd,

    # [meta]

    # [classify]

]


def run(args):
    v = _vectors(args)
    for section in SECTIONS:
        section(v)
