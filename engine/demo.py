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
    print(
        f"search: {len(queries):,} queries × {len(v):,} words, k=10 in {dt:.3f}s "
        f"({len(queries) / dt:,.0f} queries/s)"
    )


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
    print(
        f"recall@10 over 300 words: {r:.3f} ({time.perf_counter() - t:.2f}s); raise index.efSearch for more"
    )


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
    print(
        f"3 nearest of {len(sents)} sentences from lee_background.cor to 'Australian cricket team wins the test match':"
    )
    for i, d in zip(res.indices[0], res.distances[0]):
        print(f"  {d:.4f}  {' '.join(simple_preprocess(sents[i]))[:90]}")
    print(
        f"exact solves needed: {int(res.n_exact[0])} of {len(sents)} (the rest pruned by WCD/RWMD/ICT "
        f"lower bounds), {took * 1000:.0f} ms"
    )


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
def zero_shot(v):
    _section("zero-shot classification")
    from .classify import ZeroShotClassifier

    labels = {
        "sport": "sport football team match game",
        "food": "food cooking meal recipe dinner",
        "technology": "computer software internet technology phone",
        "politics": "government election parliament minister vote",
    }
    clf = ZeroShotClassifier(v, labels).fit()
    texts = [
        "the striker scored twice before half time",
        "slowly simmer the onions in butter and garlic",
        "the new update makes my laptop crash on startup",
        "voters head to the polls as the campaign ends",
        "qwzx vbnm",
    ]
    proba, unknown = clf.predict_proba(texts, return_unknown=True)
    for text, p, unk in zip(texts, proba, unknown):
        best = int(p.argmax())
        tag = "no known word: uniform" if unk else f"{clf.classes_[best]:<10} p={p[best]:.2f}"
        print(f"{tag:<24} {text}")
    ex = clf.explain(texts[0])
    print("why 'sport':", ", ".join(f"{w} {c:+.3f}" for w, c in ex.top("sport", 3)))


def topics(v):
    _section("topic space (LDA on the Lee corpus)")
    import copy

    from .datasets import gensim_test_file
    from .topics import TopicSpace, lee_lda

    t = time.perf_counter()
    lda, dictionary = lee_lda()
    print(
        f"LdaModel: {lda.num_topics} topics over {len(dictionary):,} words, trained in {time.perf_counter() - t:.1f}s"
    )
    for topic in range(3):
        print(f"topic {topic}: " + " ".join(w for w, _ in lda.show_topic(topic, topn=8)))
    with open(gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        docs = f.read().splitlines()
    space = TopicSpace(lda, dictionary, init="mean")
    index = space.index(docs, minimum_probability=0)
    query = "Australian cricket team wins the test match"
    res = index.knn([query], k=3)
    print(f"3 nearest of {len(docs)} articles to {query!r} by Hellinger distance:")
    for i, d in zip(res.indices[0], res.distances[0]):
        print(f"  {d:.4f}  {docs[i][:90]}")
    bags = space.bags(docs)  # the E-step from gensim's next start (a copy of its random state)
    same_start = TopicSpace(lda, dictionary, random_state=copy.deepcopy(lda.random_state))
    t = time.perf_counter()
    same_start.inference(bags)
    ours = time.perf_counter() - t
    pairs = zip(bags.indptr[:-1].tolist(), bags.indptr[1:].tolist())
    gensim_bows = [list(zip(bags.ids[a:b].tolist(), bags.counts[a:b].tolist())) for a, b in pairs]
    t = time.perf_counter()
    lda.inference(gensim_bows)
    theirs = time.perf_counter() - t
    print(f"E-step of the {len(docs)} articles: engine {ours * 1000:.1f} ms, gensim {theirs * 1000:.0f} ms")


SECTIONS = [
    similarity,
    # [search]
    search,
    # [index]
    faiss_index,
    # [wmd]
    wmd,
    # [meta]
    meta_embeddings,
    # [classify]
    zero_shot,
    topics,
]


def run(args):
    v = _vectors(args)
    for section in SECTIONS:
        section(v)
