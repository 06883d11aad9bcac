"""Runtime kernel dispatch: every kernel on every path this machine supports against float64
oracles and against the other paths, the choice of path (forced, refused, falling back), and
the built module's instruction-set hygiene (no AVX outside the AVX paths' namespaces).

Where the paths' arithmetic is exact (small integer vectors, ids, counts) their results are
identical; elsewhere they differ only by rounding: FMA contraction and vector widths change the
last bits of a sum, so scores agree within 1e-5 (float32) and distances within 1e-12 (float64),
and rankings agree except between candidates whose exact scores are closer than that.
"""

import errno
import logging
import os
import platform
import re
import shutil
import subprocess
import sys

import engine.io._formats
import numpy as np
import pytest
from _paths import PATHS

import engine
from engine import _kernels, _text
from engine._kernels import _dispatch

BASE = PATHS[-1]


def on_every_path(fn):
    """``{path: fn()}`` for every path of the run, each with the kernels switched to it."""
    out = {}
    for p in PATHS:
        with _kernels.using_path(p):
            out[p] = fn()
    return out


# ---- the choice of path --------------------------------------------------------------------------


def test_cpu_info_describes_the_choice():
    info = engine.cpu_info()
    assert info.path in info.supported and set(info.supported) <= set(info.paths)
    assert info.supported[-1] == info.paths[-1]  # the baseline runs anywhere
    assert set(info.kernels.values()) == {info.path}
    assert {"topk", "emd_cost", "wmd_knn", "build_meta", "doc_scores", "encode_ascii"} <= set(info.kernels)
    text = str(info)
    assert f"path:       {info.path}" in text and "topk" in text
    if platform.machine() == "x86_64" and info.build == "dispatch":
        assert info.paths == ("spr", "avx512", "avx2", "baseline")
        assert "sse4.2" in info.features


def test_each_path_names_what_it_needs():
    if "avx512" not in _dispatch.PATHS:
        pytest.skip("a build without the x86 paths")
    assert {"avx2", "fma", "ymm-state"} <= set(_dispatch.requirements("avx2"))
    assert {"avx512f", "avx512bw", "avx512vl", "avx512dq", "zmm-state"} <= set(
        _dispatch.requirements("avx512")
    )
    assert {"amx-tile", "avx512bf16", "avx512fp16", "amx-state"} <= set(_dispatch.requirements("spr"))
    assert set(_dispatch.requirements("avx2")) < set(_dispatch.requirements("avx512"))
    assert set(_dispatch.requirements("avx512")) < set(_dispatch.requirements("spr"))


@pytest.fixture
def all_x86_features(monkeypatch):
    """A CPU with every feature and an OS that grants AMX (monkeypatched), for the choice logic."""
    if "avx512" not in _dispatch.PATHS:
        pytest.skip("a build without the x86 paths")
    every = {f: True for p in _dispatch.PATHS for f in _dispatch.requirements(p)}
    monkeypatch.setattr(_dispatch, "FEATURES", every)
    monkeypatch.setattr(_dispatch, "_AMX_REFUSAL", [0])
    return every


def test_the_fastest_supported_path_is_chosen(all_x86_features, caplog):
    with caplog.at_level(logging.DEBUG, logger=_dispatch.__name__):
        assert _dispatch._choose("") == "spr"
    assert caplog.records == []  # nothing skipped, nothing to say


@pytest.mark.parametrize(
    "lacking, chosen, why",
    [
        ("amx-state", "avx512", "amx-state"),  # an OS that does not save AMX tiles
        ("zmm-state", "avx2", "zmm-state"),  # an old kernel without AVX-512 state
        ("avx512bw", "avx2", "avx512bw"),
        ("avx2", "baseline", "avx2"),
    ],
)
def test_a_refused_path_falls_back_with_one_debug_line(all_x86_features, caplog, lacking, chosen, why):
    all_x86_features[lacking] = False
    with caplog.at_level(logging.DEBUG, logger=_dispatch.__name__):
        assert _dispatch._choose("") == chosen
    assert len(caplog.records) == 1 and caplog.records[0].levelno == logging.DEBUG
    assert f"the {chosen} path" in caplog.text and why in caplog.text


def test_amx_permission_refused_by_the_os(all_x86_features, monkeypatch, caplog):
    monkeypatch.setattr(_dispatch, "_AMX_REFUSAL", [errno.EINVAL])
    with caplog.at_level(logging.DEBUG, logger=_dispatch.__name__):
        assert _dispatch._choose("") == "avx512"
    assert "amx-permission" in caplog.text and len(caplog.records) == 1
    with pytest.raises(
        engine.EngineError, match=r"ENGINE_KERNELS=spr: .*amx-permission \(Invalid argument\)"
    ):
        _dispatch._choose("spr")


def test_forcing_a_path_the_cpu_lacks_names_the_feature(all_x86_features):
    all_x86_features["avx512vl"] = False
    assert _dispatch._choose("avx2") == "avx2"
    with pytest.raises(engine.EngineError, match="ENGINE_KERNELS=avx512: this CPU or OS lacks avx512vl"):
        _dispatch._choose("avx512")
    with pytest.raises(engine.EngineError, match="no such kernel path in this build"):
        _dispatch._choose("sse2")
    with pytest.raises(engine.EngineError, match="lacks avx512vl"), _kernels.using_path("spr"):
        pass


def _import_engine(env_value):
    env = dict(os.environ, ENGINE_KERNELS=env_value)
    code = "import engine; print(engine.cpu_info().path)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_engine_kernels_forces_a_path_at_import():
    res = _import_engine(BASE)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == BASE
    res = _import_engine("no-such-path")
    assert res.returncode == 1  # an exception, not a signal
    assert "EngineError: ENGINE_KERNELS=no-such-path: no such kernel path" in res.stderr


# ---- every kernel on every path ------------------------------------------------------------------


def test_topk_is_identical_on_every_path_when_the_arithmetic_is_exact():
    # small integers: every product and sum is exact in float32, in any order and with FMA
    rng = np.random.default_rng(0)
    X = rng.integers(-3, 4, (20_000, 37)).astype(np.float32)
    exclude = [rng.integers(0, 20_000, 10) for _ in range(40)]
    for nq in (1, 5, 40):  # SIMD dots, and sgemm tiles
        Q = rng.integers(-3, 4, (nq, 37)).astype(np.float32)
        got = on_every_path(lambda Q=Q, nq=nq: _kernels.topk(X, Q, 50, 3, 19_990, exclude[:nq]))
        ref = (Q.astype(np.float64) @ X.T.astype(np.float64))[:, 3:19_990]
        for scores, ids in got.values():
            np.testing.assert_array_equal(scores, got[BASE][0])
            np.testing.assert_array_equal(ids, got[BASE][1])
        best = np.sort(got[BASE][0], axis=1)[:, ::-1]
        assert (got[BASE][0] == best).all() and (got[BASE][0][:, 0] <= ref.max(axis=1)).all()
    items = rng.integers(0, 20_000, (6, 3))
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True).clip(1)
    got = on_every_path(lambda: _kernels.topk(Xn, Xn[items].reshape(-1, 37), 10, cosmul=(2, 1)))
    for _, ids in got.values():
        np.testing.assert_array_equal(ids, got[BASE][1])


def _same_ranking(ids, base_ids, exact, tol):
    """ids equal base_ids, except for swaps between rows whose exact scores are within tol."""
    for i in range(ids.shape[0]):
        for a, b in zip(ids[i], base_ids[i]):
            if a != b:
                assert abs(exact[i, a] - exact[i, b]) <= tol, (i, a, b)


def test_topk_on_random_floats_agrees_across_paths():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30_000, 300)).astype(np.float32)
    for nq in (1, 8, 300):
        Q = rng.standard_normal((nq, 300)).astype(np.float32)
        exact = Q.astype(np.float64) @ X.T.astype(np.float64)
        got = on_every_path(lambda Q=Q: _kernels.topk(X, Q, 20))
        for scores, ids in got.values():
            np.testing.assert_allclose(scores, np.take_along_axis(exact, ids, 1), rtol=1e-5, atol=1e-4)
            _same_ranking(ids, got[BASE][1], exact, 1e-4)


def test_emd_and_wmd_agree_across_paths():
    from engine import datasets

    rng = np.random.default_rng(2)
    costs = {}
    for _ in range(20):
        m, n = rng.integers(1, 40, 2)
        a, b = rng.random(m), rng.random(n)
        M = rng.random((m, n))
        costs[(m, n)] = (a / a.sum(), b / b.sum(), M)
    got = on_every_path(lambda: [_kernels.emd(*p) for p in costs.values()])
    for vals in got.values():
        np.testing.assert_allclose(vals, got[BASE], rtol=1e-12)
    wmd = engine.WMD(engine.Vectors.from_gensim(datasets.word2vec_keyedvectors()))
    docs = [s for s in datasets.lee_sentences() if len(s) >= 4][:60]
    pairwise = on_every_path(lambda: wmd.pairwise(docs[:8], docs[8:]))
    knn = on_every_path(lambda: wmd.knn(docs[:4], docs, k=5))
    bounds = on_every_path(lambda: wmd.index(docs[8:]).bounds(docs[:8]))
    for p in PATHS:
        np.testing.assert_allclose(pairwise[p], pairwise[BASE], rtol=1e-12)
        np.testing.assert_array_equal(knn[p].indices, knn[BASE].indices)
        np.testing.assert_allclose(knn[p].distances, knn[BASE].distances, rtol=1e-12)
        for got_b, base_b in zip(bounds[p], bounds[BASE]):
            np.testing.assert_allclose(got_b, base_b, rtol=1e-12, atol=1e-15)
    sinkhorn = _kernels.WMD_METHODS["sinkhorn"]
    Xa, Xb = rng.standard_normal((5, 16)), rng.standard_normal((7, 16))
    ga, gb = np.arange(5, dtype=np.int64), np.arange(5, 12, dtype=np.int64)
    wa, wb = np.full(5, 0.2), np.full(7, 1 / 7)
    got = on_every_path(lambda: _kernels.wmd_single(Xa, ga, wa, Xb, gb, wb, sinkhorn, 0.1))
    for v in got.values():
        assert v == pytest.approx(got[BASE], rel=1e-9)


def test_normalize_rows_agrees_with_float64_on_every_path():
    rng = np.random.default_rng(3)
    m = (rng.standard_normal((2_000, 301)) * rng.random((2_000, 1)) * 10).astype(np.float32)
    m[5] = 0
    ref = m.astype(np.float64)
    norms = np.linalg.norm(ref, axis=1)
    ref = ref / np.where(norms > 0, norms, 1)[:, None]
    for unit, nrm in on_every_path(lambda: _kernels.normalize_rows(m)).values():
        np.testing.assert_allclose(unit, ref, atol=2e-7)
        np.testing.assert_allclose(nrm, norms, rtol=1e-7)
        assert not unit[5].any()


def test_document_vectors_and_scores_on_every_path():
    rng = np.random.default_rng(4)
    emb = rng.standard_normal((500, 64)).astype(np.float32)
    lengths = rng.integers(0, 30, 300)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    ids = rng.integers(0, 500, indptr[-1]).astype(np.int32)
    w = rng.random(indptr[-1]).astype(np.float32)
    comps = np.linalg.qr(rng.standard_normal((64, 2)))[0].T.astype(np.float32)
    labels = _kernels.normalize_rows(rng.standard_normal((4, 64)).astype(np.float32))[0]
    ref = np.zeros((300, 64))
    for i in range(300):
        s = slice(indptr[i], indptr[i + 1])
        ref[i] = w[s].astype(np.float64) @ emb[ids[s]].astype(np.float64)
    ref -= (ref @ comps.T.astype(np.float64)) @ comps.astype(np.float64)
    norms = np.linalg.norm(ref, axis=1)
    unit = ref / np.where(norms > 0, norms, 1)[:, None]
    exact = unit @ labels.T.astype(np.float64)
    vectors = on_every_path(lambda: _kernels.doc_vectors(indptr, ids, w, emb, comps))
    scores = on_every_path(lambda: _kernels.doc_scores(indptr, ids, w, emb, labels, comps))
    for p in PATHS:
        np.testing.assert_allclose(vectors[p][0], unit, atol=1e-5)
        np.testing.assert_allclose(vectors[p][1], norms, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(scores[p][0], exact, atol=1e-5)
        clear = np.sort(exact, axis=1)[:, -1] - np.sort(exact, axis=1)[:, -2] > 1e-4
        np.testing.assert_array_equal(scores[p][0].argmax(1)[clear], scores[BASE][0].argmax(1)[clear])


def test_meta_projection_on_every_path():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((400, 50)).astype(np.float32)
    b = rng.standard_normal((300, 20)).astype(np.float32)
    proj = rng.standard_normal((50, 40)).astype(np.float32)
    ia = rng.integers(0, 400, 700)
    ib = rng.integers(-1, 300, 700)  # -1: missing in source b
    sources = [dict(rows=a, idx=ia, proj=proj, scale=0.8), dict(rows=b, idx=ib, offset=40, scale=0.6)]

    def unit(x):
        n = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.where(n > 0, n, 1)

    ref = np.zeros((700, 60))
    ref[:, :40] = 0.8 * unit(a[ia].astype(np.float64)) @ proj.astype(np.float64)
    ref[:, 40:] = np.where((ib >= 0)[:, None], 0.6 * unit(b[ib].astype(np.float64)), 0.0)
    for out, _ in on_every_path(lambda: _kernels.build_meta(sources, [None] * 4, 60)).values():
        np.testing.assert_allclose(out, unit(ref), atol=1e-5)


def test_tokenizer_is_identical_on_every_path():
    keys = ["apple", "pear", "it's", "a_b", "x9"]
    k2i = {k: i for i, k in enumerate(keys)}
    rng = np.random.default_rng(6)
    words = [*keys, "Apple", "PEAR", "kiwi", "it", "'s", "-", "  ", "x9y"]
    texts = [" ".join(rng.choice(words, rng.integers(0, 20))) for _ in range(3_000)] + ["café pear"]
    ref = _kernels.encode_texts(texts, k2i, True)  # the Cython tokenizer
    vocab = _kernels.ascii_vocab(keys)
    for got in on_every_path(lambda: _kernels.encode_texts(texts, k2i, True, vocab)).values():
        for g, r in zip(got, ref):
            np.testing.assert_array_equal(g, r)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_lda_inference_agrees_across_paths(dtype, rtol):
    rng = np.random.default_rng(7)
    V, K = 300, 13  # K not a multiple of the lanes
    indptr = np.concatenate([[0], np.cumsum(rng.integers(1, 25, 80))])
    ids = rng.integers(0, V, indptr[-1]).astype(np.int32)
    wt = rng.dirichlet(np.ones(K), V).astype(dtype)
    counts = rng.integers(1, 4, indptr[-1]).astype(dtype)
    start = rng.gamma(100.0, 0.01, (80, K)).astype(dtype)
    alpha = np.full(K, 0.1, dtype)
    got = on_every_path(lambda: _kernels.lda_inference(wt, alpha, indptr, ids, counts, start, 100, 1e-6))
    for gamma, rounds in got.values():
        np.testing.assert_allclose(gamma, got[BASE][0], rtol=rtol)
        assert np.abs(rounds - got[BASE][1]).max() <= 1  # a last rounding may take one more round


@pytest.mark.parametrize("measure", ["hellinger", "jensen_shannon", "symmetric_kl", "cosine"])
def test_topic_measures_agree_across_paths(measure):
    assert measure in _kernels.TOPIC_MEASURES
    rng = np.random.default_rng(8)
    p, q = rng.dirichlet(np.ones(13), 40), rng.dirichlet(np.ones(13), 30)
    aux = {
        "jensen_shannon": (p.sum(1), q.sum(1)),
        "cosine": (np.linalg.norm(p, axis=1), np.linalg.norm(q, axis=1)),
    }
    pa, qa = aux.get(measure, (None, None))
    x, y = (np.sqrt(p), np.sqrt(q)) if measure == "hellinger" else (p, q)
    pairwise = on_every_path(lambda: _kernels.topic_pairwise(measure, x, pa, y, qa))
    knn = on_every_path(lambda: _kernels.topic_knn(measure, x, pa, y, qa, 5))
    for path in PATHS:
        np.testing.assert_allclose(pairwise[path], pairwise[BASE], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(knn[path][1], knn[BASE][1])


# ---- the built module ----------------------------------------------------------------------------

# instructions beyond x86-64-v2 that carry no "v" prefix (BMI1/2, LZCNT, MOVBE) or belong to AMX
_V3_SCALAR = {"andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "lzcnt", "mulx", "pdep", "pext"}
_V3_SCALAR |= {"rorx", "sarx", "shlx", "shrx", "movbe"}


def _is_beyond_v2(mnemonic):
    return mnemonic.startswith("v") or mnemonic in _V3_SCALAR or "tile" in mnemonic


def functions_beyond_v2(path):
    """``{function: (instructions beyond x86-64-v2, those on ymm, those on zmm)}`` of a shared
    object, from objdump's disassembly (demangled names)."""
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", "-C", str(path)], capture_output=True, text=True, check=True
    ).stdout
    found, fn = {}, None
    for line in listing.splitlines():
        head = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if head:
            fn = head.group(1)
            continue
        ins = re.match(r"^\s+[0-9a-f]+:\t(\S+)\s*(.*)$", line)
        if ins and fn and _is_beyond_v2(ins.group(1)):
            n, y, z = found.get(fn, (0, 0, 0))
            found[fn] = (n + 1, y + ("ymm" in ins.group(2)), z + ("zmm" in ins.group(2)))
    return found


def test_no_instruction_beyond_the_baseline_outside_the_avx_paths():
    """The ODR trap, checked on the module itself: an inline function or template compiled in an
    AVX-512 file under its usual name may be the copy the linker keeps for every caller, and the
    baseline path would die on an older CPU. Every function holding an instruction beyond
    x86-64-v2 must be one of the avx2/avx512/spr paths' own (their namespaces)."""
    if engine._native.build != "dispatch" or platform.machine() != "x86_64":
        pytest.skip("only the x86-64 dispatch build has paths to keep apart")
    if shutil.which("objdump") is None:
        pytest.skip("objdump (binutils) is not installed")
    found = functions_beyond_v2(engine._native.__file__)
    outside = [f for f in found if not re.search(r"::(avx2|avx512|spr)::", f)]
    assert outside == [], f"{len(outside)} functions with AVX outside a path, e.g. {outside[:3]}"
    totals = {p: [0, 0, 0] for p in ("avx2", "avx512", "spr")}
    for f, counts in found.items():
        p = re.search(r"::(avx2|avx512|spr)::", f).group(1)
        totals[p] = [t + c for t, c in zip(totals[p], counts)]
    assert totals["avx2"][1] > 0 and totals["avx2"][2] == 0  # 256-bit code, no AVX-512
    assert totals["avx512"][2] > 0 and totals["spr"][2] > 0  # the explicit AVX-512 kernels
    for other in (_text.__file__, engine.io._formats.__file__):
        assert functions_beyond_v2(other) == {}, other


def test_no_standard_template_over_a_vector_type_is_shared_between_paths():
    """The trap's other form: a standard template over one of GCC's vector types (double
    __vector(8)) is one weak symbol for every path, yet the type's alignment differs between them
    (GCC caps it at the widest register), so the copy the linker keeps may hand the AVX-512 path
    memory its aligned loads fault on. Every such symbol must carry a type of its path."""
    if engine._native.build != "dispatch" or shutil.which("nm") is None:
        pytest.skip("only a dispatch build has paths to keep apart (and nm is needed)")
    symbols = subprocess.run(
        ["nm", "-C", "--defined-only", engine._native.__file__], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    shared = [s for s in symbols if "__vector(" in s and not re.search(r"::(baseline|avx2|avx512|spr)::", s)]
    assert shared == []
