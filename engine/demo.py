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

# [meta] sections

# [classify] sections


SECTIONS = [
    similarity,
    # [search]

    # [index]

    # [wmd]

    # [meta]

    # [classify]

]


def run(args):
    v = _vectors(args)
    for section in SECTIONS:
        section(v)
