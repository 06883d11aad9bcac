"""engine._kernels.hnsw_pack and hnsw_search at their edge (the mutation pass's survivors).

Oracles: the layout FAISS holds its graph in (faiss::HNSW's neighbors / offsets / cum arrays,
read here directly), float64 numpy brute force and FAISS's own search of the same graph (with
ef at least the rows, both are exact), the same walk on one thread, and exact messages.
"""

import contextlib
import re

import numpy as np
import pytest
from test_index_hnsw import _threads  # engine's thread count for a block

from engine import _kernels
from engine.errors import ShapeError

faiss = pytest.importorskip("faiss")

N, D, M = 600, 15, 8  # FAISS's level 0 holds 2 M = 16 slots: d + 1 + 16 = 32 floats, no padding
K = 10


def _graph_arrays(index):
    h = index.hnsw
    return (
        faiss.vector_to_array(h.neighbors),
        faiss.vector_to_array(h.offsets),
        faiss.vector_to_array(h.cum_nneighbor_per_level).astype(np.int32, copy=False),
    )


@pytest.fixture(scope="module")
def built():
    """A FAISS HNSW graph of N unit rows (several levels), its arrays and seeded queries."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N, D))
    rows = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # one thread: the same graph every run
    try:
        index = faiss.IndexHNSWFlat(D, M, faiss.METRIC_INNER_PRODUCT)
        index.add(rows)
    finally:
        faiss.omp_set_num_threads(threads)
    neighbors, offsets, cum = _graph_arrays(index)
    assert index.hnsw.max_level >= 1 and cum[0] == 0 and cum[1] == 2 * M
    q = rng.normal(size=(40, D)).astype(np.float32)
    return index, rows, neighbors, offsets, cum, np.ascontiguousarray(q)


def _graph(built, blocks=None, cum=None, neighbors=None, entry=None, max_level=None):
    index, rows, nb, offsets, c, _ = built
    nb = nb if neighbors is None else neighbors
    c = c if cum is None else cum
    blocks = _kernels.hnsw_pack(nb, offsets, c, rows) if blocks is None else blocks
    h = index.hnsw
    entry = h.entry_point if entry is None else entry
    max_level = h.max_level if max_level is None else max_level
    return (nb, offsets, c, entry, max_level, blocks, D)


def _marks(t=1, n=N):
    return np.zeros((t, n), np.uint16), np.zeros(t, np.uint16)


def _exact(rows, q, k):
    s = q.astype(np.float64) @ rows.astype(np.float64).T
    ids = np.argsort(-s, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(s, ids, axis=1), ids


def _faiss_layout(neighbors, offsets, cum, n):
    """Level 0 as FAISS holds it: each node's 2 M slots, and its count (slots before the first -1)."""
    base, width = int(cum[0]), int(cum[1] - cum[0])
    slots = np.array([neighbors[int(offsets[v]) + base : int(offsets[v]) + base + width] for v in range(n)])
    counts = np.array([list(s).index(-1) if -1 in s else width for s in slots.tolist()])
    return slots, counts


def _check_blocks(blocks, rows, neighbors, offsets, cum):
    n, d = rows.shape
    slots, counts = _faiss_layout(neighbors, offsets, cum, n)
    width = slots.shape[1]
    assert blocks.dtype == np.float32 and blocks.flags.c_contiguous
    assert blocks.shape == (n, -(-(d + 1 + width) // 16) * 16)  # the smallest whole 64-byte lines
    assert blocks.ctypes.data % 64 == 0 and blocks.strides[0] % 64 == 0
    ints = blocks.view(np.int32)
    np.testing.assert_array_equal(blocks[:, :d], rows)
    np.testing.assert_array_equal(ints[:, d], counts)
    np.testing.assert_array_equal(ints[:, d + 1 : d + 1 + width], slots)  # FAISS's -1 slots too
    assert (ints[:, d + 1 + width :] == 0).all()  # the padding


@contextlib.contextmanager
def _empty_at(offset):
    """np.empty whose arrays start ``offset`` bytes after a 64-byte line (numpy promises 16-byte
    alignment only) and hold garbage, within the ``with`` block."""
    real = np.empty

    def empty(shape, dtype=None):
        want = real(shape, dtype=dtype)  # numpy's own errors for a bad shape or dtype
        buf = real(want.nbytes + 128, dtype=np.uint8)
        buf[:] = 0xA5
        at = (offset - buf.ctypes.data) % 64
        return buf[at : at + want.nbytes].view(want.dtype).reshape(want.shape)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(np, "empty", empty)
        yield


# ---- hnsw_pack ------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 16, 32, 48])
def test_pack_is_faiss_level_zero_on_lines_whatever_the_allocation(built, offset):
    _, rows, neighbors, offsets, cum, _ = built
    with _empty_at(offset):
        blocks = _kernels.hnsw_pack(neighbors, offsets, cum, rows)
    _check_blocks(blocks, rows, neighbors, offsets, cum)


@pytest.mark.parametrize("d", [1, 14, 16, 31])
def test_pack_stride_is_the_smallest_whole_lines(built, d):
    _, _, neighbors, offsets, cum, _ = built
    rows = np.random.default_rng(d).normal(size=(N, d)).astype(np.float32)
    blocks = _kernels.hnsw_pack(neighbors, offsets, cum, rows)
    assert blocks.shape == (N, -(-(d + 1 + 2 * M) // 16) * 16)
    _check_blocks(blocks, rows, neighbors, offsets, cum)


def _shifted(neighbors, cum, by=16):
    """The same graph with ``by`` foreign slots before every list: cum[0] is ``by``, not 0."""
    filler = np.arange(by, dtype=np.int32) % N  # valid ids: read by mistake, they change the lists
    return np.concatenate([filler, neighbors]), (cum + by).astype(np.int32)


def test_pack_reads_level_zero_from_cum0_not_from_the_list_start(built):
    _, rows, neighbors, offsets, cum, _ = built
    nb, c = _shifted(neighbors, cum)
    with _empty_at(16):
        blocks = _kernels.hnsw_pack(nb, offsets, c, rows)
    _check_blocks(blocks, rows, nb, offsets, c)
    np.testing.assert_array_equal(blocks, _kernels.hnsw_pack(neighbors, offsets, cum, rows))


def test_pack_of_a_synthetic_graph_beyond_two_chunks():
    """More than 2 x 8192 nodes: every node packed, lists full, partial and empty in each chunk."""
    rng = np.random.default_rng(11)
    n, d, width, per_node = 17000, 3, 4, 6  # cum [0, 4, 6]: level 0, then one upper level
    cum = np.array([0, width, per_node], np.int32)
    offsets = np.arange(n + 1, dtype=np.uint64) * np.uint64(per_node)
    lists = rng.integers(0, n, size=(n, per_node)).astype(np.int32)
    counts = rng.integers(0, width + 1, size=n)  # 0 to width ids, -1 after
    lists[:, :width][np.arange(width) >= counts[:, None]] = -1
    neighbors = lists.ravel()
    rows = rng.normal(size=(n, d)).astype(np.float32)
    with _empty_at(32):
        blocks = _kernels.hnsw_pack(neighbors, offsets, cum, rows)
    _check_blocks(blocks, rows, neighbors, offsets, cum)


def test_pack_of_level_zero_only_and_a_list_holding_node_zero():
    rows = np.eye(3, dtype=np.float32)
    cum = np.array([0, 2], np.int32)  # a graph of one level: two entries in cum
    neighbors = np.array([1, 2, 0, -1, 0, 1], np.int32)
    offsets = np.array([0, 2, 4, 6], np.uint64)
    blocks = _kernels.hnsw_pack(neighbors, offsets, cum, rows)
    ints = blocks.view(np.int32)
    assert blocks.shape == (3, 16)
    assert ints[:, 3].tolist() == [2, 1, 2]  # node 0 is an id, -1 ends a list
    assert ints[:, 4:6].tolist() == [[1, 2], [0, -1], [0, 1]]


def test_pack_refuses_offsets_and_levels_of_other_shapes(built):
    _, rows, neighbors, offsets, cum, _ = built
    with pytest.raises(ShapeError, match=rf"^hnsw_pack: {N} offsets and {len(cum)} levels for {N} rows$"):
        _kernels.hnsw_pack(neighbors, offsets[:-1], cum, rows)
    with pytest.raises(ShapeError, match=rf"^hnsw_pack: {N + 2} offsets and {len(cum)} levels for {N} rows$"):
        _kernels.hnsw_pack(neighbors, np.append(offsets, offsets[-1]), cum, rows)
    with pytest.raises(ShapeError, match=rf"^hnsw_pack: {N + 1} offsets and 1 levels for {N} rows$"):
        _kernels.hnsw_pack(neighbors, offsets, cum[:1], rows)


# ---- hnsw_search ----------------------------------------------------------------------------
# One thread (n_threads=1) but in the test of the marks' rows: its one-row marks are then the
# only ones the walk may touch.


def test_search_with_ef_at_least_the_rows_is_exact_and_faiss_own(built):
    index, rows, _, _, _, q = built
    scores, ids = _kernels.hnsw_search(_graph(built), q, K, N, *_marks(), 1)
    assert scores.shape == ids.shape == (len(q), K) and scores.dtype == np.float32 and ids.dtype == np.int64
    e_scores, e_ids = _exact(rows, q, K)
    np.testing.assert_array_equal(ids, e_ids)
    np.testing.assert_allclose(scores, e_scores, rtol=0, atol=2e-6)
    index.hnsw.efSearch = N
    np.testing.assert_array_equal(ids, index.search(q, K)[1])  # FAISS's own walk of the graph


def test_search_of_a_graph_whose_cum_does_not_start_at_zero(built):
    _, rows, neighbors, _, cum, q = built
    nb, c = _shifted(neighbors, cum)
    want = _kernels.hnsw_search(_graph(built), q, K, 32, *_marks(), 1)
    got = _kernels.hnsw_search(_graph(built, cum=c, neighbors=nb), q, K, 32, *_marks(), 1)
    np.testing.assert_array_equal(got[1], want[1])  # the upper levels read at cum[l] too
    np.testing.assert_array_equal(got[0], want[0])


def test_search_shapes_k1_and_more_queries_than_dimensions(built):
    _, rows, _, _, _, q = built
    qq = np.ascontiguousarray(np.vstack([q, q]))  # 80 queries, 15 dimensions
    for k in (1, 3):
        scores, ids = _kernels.hnsw_search(_graph(built), qq, k, N, *_marks(), 1)
        assert scores.shape == ids.shape == (len(qq), k)
        e_scores, e_ids = _exact(rows, qq, k)
        np.testing.assert_array_equal(ids, e_ids)
        np.testing.assert_allclose(scores, e_scores, rtol=0, atol=2e-6)
    one = _kernels.hnsw_search(_graph(built), q[:1], 1, N, *_marks(), 1)
    assert one[1].shape == (1, 1) and one[1][0, 0] == _exact(rows, q[:1], 1)[1][0, 0]


def test_search_from_node_zero_as_the_entry_point(built):
    _, rows, _, _, _, q = built
    scores, ids = _kernels.hnsw_search(_graph(built, entry=0, max_level=0), q, K, N, *_marks(), 1)
    np.testing.assert_array_equal(ids, _exact(rows, q, K)[1])  # level 0 alone, from node 0


def test_search_with_blocks_of_exactly_the_row_count_and_list(built):
    _, rows, neighbors, offsets, cum, q = built
    blocks = _kernels.hnsw_pack(neighbors, offsets, cum, rows)
    assert blocks.shape[1] == D + 1 + 2 * M  # no padding: the check's bound is met exactly
    scores, ids = _kernels.hnsw_search(_graph(built, blocks=blocks), q, K, N, *_marks(), 1)
    np.testing.assert_array_equal(ids, _exact(rows, q, K)[1])


def test_search_uses_only_the_marks_rows_of_its_threads(built):
    """Thread t uses row t of tags and gens[t]: with one row given, or one thread asked for, the
    next row (here the rest of the caller's array) is never touched."""
    _, rows, _, _, _, q = built
    qq = np.ascontiguousarray(np.tile(q, (100, 1)))  # 4000 queries: both threads get some
    want = _kernels.hnsw_search(_graph(built), qq, K, 64, *_marks(), 1)
    tags, gens = _marks(2)
    with _threads(2):
        got = _kernels.hnsw_search(_graph(built), qq, K, 64, tags[:1], gens[:1])  # rows: 1
    np.testing.assert_array_equal(got[1], want[1])
    assert gens[1] == 0 and not tags[1].any() and gens[0] == len(qq)
    tags, gens = _marks(2)
    with _threads(2):
        got = _kernels.hnsw_search(_graph(built), qq, K, 64, tags, gens, 1)  # threads: 1
    np.testing.assert_array_equal(got[1], want[1])
    assert gens[1] == 0 and not tags[1].any() and gens[0] == len(qq)


def _raises(message, graph, q, tags, gens, k=K):
    with pytest.raises(ShapeError, match=f"^{re.escape(message)}$"):
        _kernels.hnsw_search(graph, q, k, 32, tags, gens)


def test_search_refuses_blocks_and_offsets_of_other_shapes(built):
    _, rows, neighbors, offsets, cum, q = built
    blocks = _kernels.hnsw_pack(neighbors, offsets, cum, rows)
    g = _graph(built, blocks=blocks)
    flat = np.ascontiguousarray(blocks.ravel())
    _raises(
        f"hnsw_search: blocks of shape ({flat.size},) for {flat.size} rows of dimension {D}",
        g[:5] + (flat, D),
        q,
        *_marks(1, flat.size),
    )
    narrow = np.ascontiguousarray(blocks[:, :-1])  # one int short of the last list slot
    _raises(
        f"hnsw_search: blocks of shape ({N}, {D + 2 * M}) for {N} rows of dimension {D}",
        g[:5] + (narrow, D),
        q,
        *_marks(),
    )
    bad = (neighbors, offsets[:-1], cum) + g[3:]
    _raises(
        f"hnsw_search: blocks of shape ({N}, {D + 1 + 2 * M}) for {N} rows of dimension {D}",
        bad,
        q,
        *_marks(),
    )


def test_search_refuses_queries_and_marks_of_other_shapes(built):
    _, _, _, _, _, q = built
    g = _graph(built)
    _raises(f"hnsw_search: queries of shape ({D},), rows of dimension {D}", g, q[0], *_marks())
    _raises(
        f"hnsw_search: queries of shape (40, {D - 1}), rows of dimension {D}",
        g,
        np.ascontiguousarray(q[:, 1:]),
        *_marks(),
    )
    tags, gens = _marks()
    _raises(f"hnsw_search: visited marks of shape (1, {N - 1}) for {N} rows", g, q, tags[:, 1:].copy(), gens)
    _raises(f"hnsw_search: visited marks of shape (1, {N}) for {N} rows", g, q, tags, np.zeros(2, np.uint16))


def test_search_refuses_arrays_of_another_dtype_or_order(built):
    _, _, _, _, _, q = built
    g = _graph(built)
    tags, gens = _marks(2)
    _raises("hnsw_search: Q must be C-contiguous float32, got float64", g, q.astype(np.float64), tags, gens)
    _raises("hnsw_search: Q must be C-contiguous float32, got float32", g, np.asfortranarray(q), tags, gens)
    _raises(
        "hnsw_search: blocks must be C-contiguous float32, got float64",
        g[:5] + (g[5].astype(np.float64), D),
        q,
        tags,
        gens,
    )
    _raises(
        "hnsw_search: blocks must be C-contiguous float32, got float32",
        g[:5] + (np.asfortranarray(g[5]), D),
        q,
        tags,
        gens,
    )
    _raises("hnsw_search: tags must be C-contiguous uint16, got int16", g, q, tags.astype(np.int16), gens)
    _raises("hnsw_search: tags must be C-contiguous uint16, got uint16", g, q, np.asfortranarray(tags), gens)
    _raises("hnsw_search: gens must be C-contiguous uint16, got uint32", g, q, tags, gens.astype(np.uint32))
    _raises(
        "hnsw_search: gens must be C-contiguous uint16, got uint16", g, q, tags, np.zeros(4, np.uint16)[::2]
    )


def test_search_refuses_an_entry_point_outside_the_rows_and_k_below_one(built):
    _, _, _, _, _, q = built
    _raises(f"hnsw_search: entry point {N} of {N} rows, k={K}", _graph(built, entry=N), q, *_marks())
    _raises(f"hnsw_search: entry point -1 of {N} rows, k={K}", _graph(built, entry=-1), q, *_marks())
    g = _graph(built)
    _raises(f"hnsw_search: entry point {g[3]} of {N} rows, k=0", g, q, *_marks(), k=0)
