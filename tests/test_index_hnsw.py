"""engine's own walk of FAISS's HNSW graph (csrc/hnsw.hpp, engine/index/hnsw_graph.py).

Oracles: FAISS's own search of the same graph (``index.index.search``), exact search (recall
and, with efSearch at least the vocabulary, the same neighbours), float64 inner products (the
scores), the single-query path (batches, threads, concurrent callers) and every kernel path.
"""

import threading

import numpy as np
import pytest

import engine
from engine import _kernels
from engine.index import FaissIndex, exact_search, recall_at_k

faiss = pytest.importorskip("faiss")
K = 10


@pytest.fixture(scope="module")
def built():
    v = engine.datasets.clustered_vectors(4000, 48, seed=3)
    index = FaissIndex.build(v, "hnsw", M=16, efConstruction=80, efSearch=32)
    rows = np.sort(np.random.default_rng(0).choice(len(v), size=300, replace=False))
    q = np.ascontiguousarray(v.unit[rows])
    return v, index, rows, q


def test_an_hnsw_flat_index_is_searched_by_engine(built):
    _, index, _, _ = built
    assert index.walk is True and index._graph() is not None
    flat = FaissIndex.build(built[0], "flat")
    assert flat._graph() is None  # other kinds: FAISS's own search


def test_the_walk_can_be_switched_off_and_is_not_saved(built, tmp_path):
    v, index, _, q = built
    index.walk = False
    try:
        assert index._graph() is None and "_graph_of" not in index.__dict__  # the copy freed
        np.testing.assert_array_equal(index.search(q, K)[1], index.index.search(q, K)[1])
        index.save(tmp_path / "off.engine")
        assert FaissIndex.load(tmp_path / "off.engine", v).walk is True  # a choice of the process
        with pytest.raises(engine.EngineError, match="walk"):
            index.walk = 1
    finally:
        index.walk = True
    assert index._graph() is not None


def test_recall_is_faiss_own_on_the_same_graph(built):
    v, index, rows, q = built
    _, ours = index.search(q, K + 1)
    _, theirs = index.index.search(q, K + 1)  # FAISS's own search of the same graph
    r_ours = recall_at_k(v.unit, rows, ours, K)
    r_theirs = recall_at_k(v.unit, rows, theirs, K)
    assert r_ours >= r_theirs - 0.005 and r_ours >= 0.95
    overlap = np.mean([len(set(a) & set(b)) / len(a) for a, b in zip(ours.tolist(), theirs.tolist())])
    assert overlap >= 0.97


def test_scores_are_the_inner_products_best_first(built):
    v, index, _, q = built
    scores, ids = index.search(q, K)
    want = np.einsum("ijk,ik->ij", np.asarray(v.unit, np.float64)[ids], q.astype(np.float64))
    np.testing.assert_allclose(scores, want, rtol=0, atol=2e-6)
    assert (np.diff(scores, axis=1) <= 0).all()


def test_with_ef_at_least_the_vocabulary_it_is_exact(built):
    v, index, _, q = built
    index.efSearch = len(v)
    try:
        scores, ids = index.search(q, K)
    finally:
        index.efSearch = 32
    e_scores, e_ids = exact_search(np.asarray(v.unit), q, K)
    np.testing.assert_array_equal(ids, e_ids)
    np.testing.assert_allclose(scores, e_scores, rtol=0, atol=2e-6)


def test_batches_threads_and_single_queries_agree(built):
    _, index, _, q = built
    one = [index.search(q[i : i + 1], K) for i in range(len(q))]
    for threads in (1, 2):
        with _threads(threads):
            scores, ids = index.search(q, K)
        np.testing.assert_array_equal(ids, np.vstack([i for _, i in one]))
        np.testing.assert_array_equal(scores, np.vstack([s for s, _ in one]))


class _threads:
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self.old = engine.get_num_threads()
        engine.set_num_threads(self.n)

    def __exit__(self, *exc):
        engine.set_num_threads(self.old)


def test_concurrent_callers_get_their_own_answers(built):
    _, index, _, q = built
    want = index.search(q, K)[1]
    got = [None] * 4

    def work(t):
        got[t] = np.vstack([index.search(q[i : i + 1], K)[1] for i in range(len(q))])

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g in got:
        np.testing.assert_array_equal(g, want)


def test_k_above_ef_and_above_the_vocabulary(built):
    v, index, rows, q = built
    scores, ids = index.search(q[:5], 64)  # efSearch 32 < k: the walk keeps k nodes
    assert (ids >= 0).all() and ids.shape == (5, 64)
    small = engine.Vectors([f"w{i}" for i in range(5)], np.random.default_rng(1).normal(size=(5, 8)))
    tiny = FaissIndex.build(small, "hnsw", M=4)
    scores, ids = tiny.search(small.unit, 10)  # k clipped to the 5 words
    assert ids.shape == (5, 5) and sorted(ids[0].tolist()) == list(range(5))
    assert [w for w, _ in tiny.most_similar("w0", topn=3)] == [w for w, _ in small.most_similar("w0", topn=3)]


def test_rerank_and_a_saved_index(built, tmp_path):
    v, index, rows, q = built
    index.rerank = 2
    try:
        _, ids = index.search(q, K + 1)
        assert recall_at_k(v.unit, rows, ids, K) >= 0.95
    finally:
        index.rerank = 0
    index.save(tmp_path / "v.engine")
    back = FaissIndex.load(tmp_path / "v.engine", v)
    assert back._graph() is not None
    np.testing.assert_array_equal(back.search(q, K)[1], index.search(q, K)[1])


def test_every_kernel_path_walks_the_same_graph(built):
    v, index, rows, q = built
    g = index._graph()
    results = {}
    for path in _kernels.supported_paths():
        with _kernels.using_path(path):
            tags, gens = np.zeros((1, len(v)), np.uint16), np.zeros(1, np.uint16)
            results[path] = _kernels.hnsw_search(g.graph, q, K + 1, 32, tags, gens, 1)[1]
    base = next(iter(results.values()))
    for path, ids in results.items():  # the dot products round differently: near-ties may swap
        assert recall_at_k(v.unit, rows, ids, K) >= 0.95, path
        assert np.mean(ids == base) >= 0.97, path


def test_the_visited_marks_survive_their_generation_wrapping(built):
    v, index, rows, q = built
    g = index._graph()
    tags, gens = np.zeros((1, len(v)), np.uint16), np.full(1, 2**16 - 2, np.uint16)
    tags[:] = 2**16 - 1  # as if every node had been visited in the last generation before the wrap
    fresh = np.zeros_like(tags), np.zeros(1, np.uint16)
    want = _kernels.hnsw_search(g.graph, q[:1], K, 32, *fresh)[1]
    for _ in range(4):  # generations 2^16-1 (stale marks equal it: the walk stops at once), 0 ->
        got = _kernels.hnsw_search(g.graph, q[:1], K, 32, tags, gens, 1)[1]  # cleared and 1, 2, 3
        if gens[0] != 2**16 - 1:
            np.testing.assert_array_equal(got, want)
    assert gens[0] == 3


def test_level_zero_is_packed_as_faiss_holds_it(built):
    v, index, _, _ = built
    g = index._graph()
    h = g.hnsw
    neighbors = faiss.vector_to_array(h.neighbors)
    offsets = faiss.vector_to_array(h.offsets)
    cum = faiss.vector_to_array(h.cum_nneighbor_per_level)
    n, d = len(v), v.vector_size
    width = int(cum[1] - cum[0])
    blocks = g.blocks
    assert blocks.ctypes.data % 64 == 0 and blocks.strides[0] % 64 == 0
    np.testing.assert_array_equal(blocks[:, :d], np.asarray(v.unit))  # the unit rows FAISS stores
    ints = blocks.view(np.int32)
    for node in np.random.default_rng(2).choice(n, 50, replace=False).tolist() + [0, n - 1]:
        at = int(offsets[node]) + int(cum[0])
        lst = neighbors[at : at + width]
        count = int(ints[node, d])
        assert (lst[:count] >= 0).all() and (count == width or lst[count] == -1)
        np.testing.assert_array_equal(ints[node, d + 1 : d + 1 + count], lst[:count])
    assert g.nbytes == blocks.nbytes >= n * (d + 1 + width) * 4


def test_ties_come_in_ascending_row():
    base = np.random.default_rng(5).normal(size=(40, 16))
    words = engine.Vectors([f"w{i}" for i in range(160)], np.repeat(base, 4, axis=0))  # each row 4 times
    index = FaissIndex.build(words, "hnsw", M=8, efSearch=160)
    q = np.ascontiguousarray(words.unit[::7])
    scores, ids = index.search(q, 12)
    e_scores, e_ids = exact_search(np.asarray(words.unit), q, 12)
    np.testing.assert_array_equal(ids, e_ids)  # ties: the lower row first, as exact search
    np.testing.assert_allclose(scores, e_scores, rtol=0, atol=2e-6)
    assert (ids[:, :4] == np.sort(ids[:, :4], axis=1)).all()


def test_a_single_node():
    x = np.array([[0.6, 0.8, 0.0]], np.float32)
    flat = faiss.IndexHNSWFlat(3, 4, faiss.METRIC_INNER_PRODUCT)
    flat.add(x)
    from engine.index.hnsw_graph import HnswGraph

    scores, ids = HnswGraph.of(faiss, flat).search(np.array([[1, 0, 0]], np.float32), 3, 8)
    assert ids.tolist() == [[0, -1, -1]]
    np.testing.assert_allclose(scores, [[0.6, -np.inf, -np.inf]])


def test_a_thread_count_change_between_calls(built):
    _, index, _, q = built
    answers = []
    for threads in (1, 2, 1, 2):  # the marks grow for two threads and are reused for one
        with _threads(threads):
            answers.append(index.search(q, K))
    for scores, ids in answers[1:]:
        np.testing.assert_array_equal(ids, answers[0][1])
        np.testing.assert_array_equal(scores, answers[0][0])


def test_bad_arrays_are_refused_before_the_walk(built):
    v, index, _, q = built
    g = index._graph()
    tags, gens = np.zeros((1, len(v)), np.uint16), np.zeros(1, np.uint16)
    with pytest.raises(engine.ShapeError, match="tags must be C-contiguous uint16"):
        _kernels.hnsw_search(g.graph, q, K, 32, tags.astype(np.uint32), gens)
    with pytest.raises(engine.ShapeError, match="queries of shape"):
        _kernels.hnsw_search(g.graph, q[:, :5], K, 32, tags, gens)
    with pytest.raises(engine.ShapeError, match="visited marks"):
        _kernels.hnsw_search(g.graph, q, K, 32, tags[:, :10], gens)
    with pytest.raises(engine.ShapeError, match="blocks of shape"):
        _kernels.hnsw_search(
            g.graph[:5] + (g.blocks[:, : v.vector_size], v.vector_size), q, K, 32, tags, gens
        )
