"""The kernel path's report, written to kill the mutation pass's survivors (docs/evidence.md):
what ``engine info --cpu`` prints, line by line, and each field of ``cpu_info()``."""

import errno
import os
import platform

import pytest

from engine import _native
from engine._kernels import CpuInfo, _dispatch, cpu_info, supported_paths

# ten of GCC's feature names whose line breaks tell the layout apart: the first line is 91
# characters, so "amx-state" (+10) only fits a wider line and "amx-" (+5) one broken at hyphens
FEATURES = ("ssse3", "sse4.1", "sahf", "f16c", "xsave", "avx512vbmi", "avx512vpopcntdq")
FEATURES += ("avx512fp16", "amx-bf16", "amx-state")


def _info(**fields):
    base = dict(
        machine="x86_64",
        model="Example CPU @ 2.0GHz",
        features=FEATURES,
        build="dispatch",
        paths=("avx2", "baseline"),
        supported=("avx2", "baseline"),
        path="avx2",
        forced="",
        kernels={"topk": "avx2", "wmd_knn": "avx2"},
    )
    return CpuInfo(**{**base, **fields})


def test_the_cpu_report_lays_out_every_field():
    assert str(_info()).split("\n") == [
        "cpu:        Example CPU @ 2.0GHz (x86_64)",
        "features:   ssse3 sse4.1 sahf f16c xsave avx512vbmi avx512vpopcntdq avx512fp16 amx-bf16",
        "            amx-state",
        "build:      dispatch (paths: avx2 baseline)",
        "supported:  avx2 baseline",
        "path:       avx2 (the fastest this CPU supports)",
        "kernels:",
        "  topk     avx2",
        "  wmd_knn  avx2",
    ]


def test_the_cpu_report_of_a_forced_path_an_unnamed_cpu_and_no_feature():
    info = _info(model="", features=(), path="baseline", forced="baseline", kernels={"topk": "baseline"})
    assert str(info).split("\n") == [
        "cpu:        unknown (x86_64)",
        "features:   -",
        "build:      dispatch (paths: avx2 baseline)",
        "supported:  avx2 baseline",
        "path:       baseline (forced by ENGINE_KERNELS=baseline)",
        "kernels:",
        "  topk  baseline",
    ]


def test_cpu_info_fields_describe_this_machine_and_build():
    info = cpu_info()
    assert info.machine == platform.machine()
    assert info.model == _native.cpu_brand()
    assert info.build == _native.build in ("dispatch", "native")
    assert info.supported == supported_paths()
    # every kernel of the active path, and nothing else of its module (not its requirements)
    assert set(info.kernels) >= {"topk", "wmd_knn", "encode_ascii"}
    assert all(callable(getattr(_dispatch.active, k)) for k in info.kernels)
    assert set(info.kernels.values()) == {info.path}


@pytest.mark.parametrize(
    "forced, path, reported",
    [("", None, ""), ("baseline", "baseline", "baseline"), ("baseline", "avx2", "")],
    ids=["not-forced", "forced", "forced-then-switched-by-using_path"],
)
def test_cpu_info_reports_the_variable_only_when_it_chose_the_path(monkeypatch, forced, path, reported):
    monkeypatch.setattr(_dispatch, "_FORCED", forced)
    if path is not None:
        monkeypatch.setattr(_dispatch, "path", path)
    assert cpu_info().forced == reported


@pytest.mark.parametrize("answer, refusal", [(0, ""), (errno.EPERM, os.strerror(errno.EPERM))])
def test_the_os_is_asked_for_amx_tiles_once(monkeypatch, answer, refusal):
    asked = []
    monkeypatch.setattr(_dispatch, "_AMX_REFUSAL", [])  # as at import, before the first question
    monkeypatch.setattr(_native, "request_amx", lambda: asked.append(1) or answer)
    assert _dispatch._amx_refused() == refusal
    assert _dispatch._amx_refused() == refusal
    assert asked == [1]
