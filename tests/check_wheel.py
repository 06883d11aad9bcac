"""Build the sdist, a wheel from that sdist alone, install the wheel into a fresh venv and run
the kernel tests there: once per dispatch path this machine supports (ENGINE_KERNELS forced),
and under emulated older CPUs (qemu-x86_64 -cpu Haswell: AVX2; -cpu Nehalem: x86-64-v2), where
an instruction the CPU lacks (in a kernel, in compiler-generated code of a baseline file, in a
static initializer) kills the run with SIGILL. ``make test-wheel`` runs it; it is not a pytest
module, because it builds and installs.

    python tests/check_wheel.py [--work DIR] [--wheel WHEEL] [--no-qemu]
    python tests/check_wheel.py --native-demo [--wheel W]  # on a wheel that is not portable: fails

Exit status 0 when every step passes; each step prints one line, and a failing step the output
of what failed.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The kernel tests, run in the venv once per path (each parametrised over the forced path only).
KERNEL_TESTS = [
    "_paths.py",
    "test_dispatch.py",
    "test_search_kernel.py",
    "test_wmd_solver.py",
    "test_threads.py",
]
# emulated CPU -> the path engine must choose on it (the tests run that path only)
QEMU_CPUS = {"Haswell": "avx2", "Nehalem": "baseline"}
# qemu 7.2 (Debian 12) emulates AVX2 about 10x slower than SSE: under -cpu Haswell the three
# slowest kernel tests are left out (their kernels are run by the others; natively every path runs them)
QEMU_SLOW = {
    "Haswell": [
        "test_dispatch.py::test_topk_on_random_floats_agrees_across_paths",
        "test_dispatch.py::test_emd_and_wmd_agree_across_paths",
        "test_wmd_solver.py::test_threads_do_not_change_results",
    ]
}
# ... and gets some AVX2 wrong: numpy's AVX2 sort returns wrong results there (np.unique of 5,000
# int64 below 1,000 gave 1,034 values) and then crashes. numpy and OpenBLAS are held to their SSE
# code under emulation; engine's kernels are not (they are what is tested).
QEMU_ENV = {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "NEHALEM"}
SIGILL = 4


def step(name, cmd, env=None, cwd=None, timeout=3600, expect_ok=True):
    """Run ``cmd``; print one line; on an unexpected outcome print its output and exit 1."""
    t = time.perf_counter()
    res = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    secs = time.perf_counter() - t
    ok = (res.returncode == 0) == expect_ok
    how = (
        "ok"
        if res.returncode == 0
        else f"exit {res.returncode}" + (" (SIGILL)" if res.returncode == -SIGILL else "")
    )
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {how} in {secs:.0f}s", flush=True)
    if not ok:
        print(res.stdout[-4000:], res.stderr[-4000:], sep="\n", file=sys.stderr)
        sys.exit(1)
    return res


def check(name, condition, detail=""):
    print(f"{'PASS' if condition else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)
    if not condition:
        sys.exit(1)


def build(work, env):
    """sdist, then a wheel from the sdist alone (python -m build does both, isolated)."""
    dist = work / "dist"
    step(
        "python -m build (sdist, then a wheel from it)",
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        env=env,
    )
    (sdist,) = glob.glob(str(dist / "engine-*.tar.gz"))
    (wheel,) = glob.glob(str(dist / "engine-*.whl"))
    return Path(sdist), Path(wheel)


def check_sdist(sdist):
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    wanted = [
        "LICENSE",
        "setup.py",
        "pyproject.toml",
        "engine/_text.pyx",
        "engine/io/_formats.pyx",
        "csrc/topk.hpp",
        "csrc/dispatch/prelude.hpp",
        "csrc/dispatch/spr.cpp",
        "csrc/bindings/module.cpp",
        "tests/test_dispatch.py",
    ]
    missing = [n for n in wanted if n not in names]
    check(
        "sdist holds the sources, headers, licence and tests",
        not missing,
        f"missing {missing}" if missing else sdist.name,
    )
    bench = [n for n in names if n.endswith("bench_search.py")]
    check("sdist holds the benchmarks engine bench runs", bool(bench), ", ".join(bench))
    generated = [n for n in names if n in ("engine/_text.cpp", "engine/io/_formats.cpp") or n.endswith(".so")]
    check("sdist holds no generated or compiled files", not generated, str(generated))


def check_wheel(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    check(
        "wheel holds the compiled modules",
        any(n.startswith("engine/_native") and n.endswith(".so") for n in names),
    )
    check("wheel holds the licence", any(n.endswith(".dist-info/licenses/LICENSE") for n in names))
    check("wheel holds the benchmarks engine bench runs", "engine/benchmarks/bench_search.py" in names)
    check("wheel metadata: License-Expression MIT", "License-Expression: MIT" in meta)
    check("wheel metadata: Requires-Python", "Requires-Python: >=" in meta)
    check("wheel holds no sources", not [n for n in names if n.endswith((".pyx", ".cpp"))])


def verdict(wheel):
    """``auditwheel show``'s verdict: the platform tag the wheel is consistent with (and the one its
    libraries would allow once repaired)."""
    res = step(f"auditwheel show {wheel.name}", [sys.executable, "-m", "auditwheel", "show", str(wheel)])
    paragraphs = [" ".join(p.split()) for p in res.stdout.split("\n\n") if p.strip()]
    said = paragraphs[:1] + [p.split(". In order")[0] for p in paragraphs if p.startswith("This constrains")]
    return " ".join(said)


def audit(wheel, work):
    """``auditwheel show`` on the wheel as built, then ``auditwheel repair`` (libgomp grafted into
    the wheel) and ``show`` again: the repaired wheel must carry a manylinux tag. Returns the
    repaired wheel, the one to test (Linux with auditwheel installed; else the wheel itself)."""
    if (
        not sys.platform.startswith("linux")
        or subprocess.run([sys.executable, "-m", "auditwheel", "--version"], capture_output=True).returncode
    ):
        print("SKIP  auditwheel (not installed, or not Linux)")
        return wheel
    print(f"      as built: {verdict(wheel)}")
    out = work / "repaired"
    shutil.rmtree(out, ignore_errors=True)
    step("auditwheel repair", [sys.executable, "-m", "auditwheel", "repair", "-w", str(out), str(wheel)])
    (repaired,) = glob.glob(str(out / "engine-*.whl"))
    said = verdict(Path(repaired))
    check(
        "the repaired wheel carries a manylinux tag",
        "manylinux" in Path(repaired).name and "manylinux" in said,
        said,
    )
    return Path(repaired)


def venv_with(wheel, where):
    """A fresh venv (system site-packages for numpy, scipy, gensim, pytest) with the wheel installed;
    returns its python, checked to import engine from the venv, not from a source tree."""
    shutil.rmtree(where, ignore_errors=True)
    step(f"fresh venv {where.name}", [sys.executable, "-m", "venv", "--system-site-packages", str(where)])
    python = where / "bin" / "python"
    step(
        f"install {wheel.name}",
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
    )
    res = step("import engine", [str(python), "-c", "import engine; print(engine.__file__)"], cwd=where)
    check("engine comes from the venv's wheel", res.stdout.strip().startswith(str(where)), res.stdout.strip())
    return python


def copy_tests(dest):
    dest.mkdir(parents=True, exist_ok=True)
    for name in KERNEL_TESTS:
        shutil.copy(ROOT / "tests" / name, dest / name)
    return dest


def probe(python, env, prefix=()):
    code = "import engine, json; i = engine.cpu_info(); print(json.dumps([i.path, i.supported]))"
    res = subprocess.run(
        [*prefix, str(python), "-c", code], capture_output=True, text=True, env=env, timeout=1800
    )
    return res


def run_every_path(python, tests, env):
    res = probe(python, env)
    path, supported = json.loads(res.stdout)
    for p in supported:
        step(
            f"kernel tests, ENGINE_KERNELS={p}",
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *KERNEL_TESTS[1:]],
            env=dict(env, ENGINE_KERNELS=p),
            cwd=tests,
        )
    return supported


def run_qemu(python, tests, env):
    qemu = shutil.which("qemu-x86_64")
    check("qemu-x86_64 is installed (Debian: qemu-user)", qemu is not None)
    env = dict(env, **QEMU_ENV)
    for cpu, expected in QEMU_CPUS.items():
        prefix = (qemu, "-cpu", cpu)
        res = probe(python, env, prefix)
        got = json.loads(res.stdout)[0] if res.returncode == 0 else f"died: exit {res.returncode}"
        check(f"qemu -cpu {cpu}: engine imports and chooses {expected}", got == expected, got)
        slow = [f"--deselect={t}" for t in QEMU_SLOW.get(cpu, ())]
        step(
            f"qemu -cpu {cpu}: kernel tests on the {expected} path",
            [*prefix, str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *slow, *KERNEL_TESTS[1:]],
            env=dict(env, ENGINE_KERNELS=expected),
            cwd=tests,
        )


def kernel_smoke(work):
    """The kernels without Python (tests/native/kernel_smoke.cpp): built and run here on every
    path this CPU has, then cross-built for aarch64 and run under qemu-aarch64 (Debian:
    g++-aarch64-linux-gnu, qemu-user), the check that the baseline builds and runs there."""
    sources = [
        str(ROOT / "tests" / "native" / "kernel_smoke.cpp"),
        *sorted(glob.glob(str(ROOT / "csrc" / "dispatch" / "*.cpp"))),
    ]
    flags = ["-std=c++17", "-O2", "-fopenmp", "-Wall", "-Wno-psabi", f"-I{ROOT / 'csrc'}"]
    here = [*flags, "-march=x86-64-v2"] if os.uname().machine == "x86_64" else flags
    step(
        "kernels without Python: build here",
        [os.environ.get("CXX", "g++"), *here, *sources, "-o", str(work / "smoke")],
    )
    res = step("kernels without Python: every path this CPU has", [str(work / "smoke")])
    print("      " + " | ".join(res.stdout.split("\n")[:-1]))
    cross, qemu = shutil.which("aarch64-linux-gnu-g++"), shutil.which("qemu-aarch64")
    if os.uname().machine != "x86_64" or not (cross and qemu):
        print("SKIP  aarch64 (needs aarch64-linux-gnu-g++ and qemu-aarch64 on an x86-64 machine)")
        return
    step(
        "kernels without Python: cross-build for aarch64",
        [cross, *flags, "-static", *sources, "-o", str(work / "smoke-aarch64")],
    )
    res = step("kernels without Python: run under qemu-aarch64", [qemu, str(work / "smoke-aarch64")])
    check("aarch64 runs the baseline path", res.stdout.startswith("ok    baseline"), res.stdout.strip())


def native_demo(work, env):
    """The same check on a wheel that is not portable: built with ENGINE_CPU=native (or given with
    --wheel, e.g. one of a build before dispatch), it must fail under the emulated CPUs."""
    dist = work / "native-dist"
    shutil.rmtree(dist, ignore_errors=True)
    step(
        "python -m build with ENGINE_CPU=native (sdist, then a wheel from it)",
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        env=dict(env, ENGINE_CPU="native"),
    )
    (wheel,) = glob.glob(str(dist / "engine-*.whl"))
    return expect_failure(Path(wheel), work)


def expect_failure(wheel, work):
    """Run the qemu check on ``wheel``; each emulated CPU must fail (SIGILL or a refusal)."""
    python = venv_with(wheel, work / "venv-not-portable")
    tests = copy_tests(work / "tests")
    qemu = shutil.which("qemu-x86_64")
    failed = 0
    for cpu in QEMU_CPUS:
        cmd = [
            qemu,
            "-cpu",
            cpu,
            str(python),
            "-m",
            "pytest",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            *KERNEL_TESTS[1:],
        ]
        res = subprocess.run(
            cmd, capture_output=True, text=True, cwd=tests, env=dict(os.environ, ENGINE_KERNELS="")
        )
        died = "SIGILL" if res.returncode == -SIGILL else f"exit {res.returncode}"
        last = [line for line in (res.stdout + res.stderr).splitlines() if "TCG doesn't" not in line][-1:]
        print(
            f"{'PASS' if res.returncode else 'FAIL'}  not portable, so under qemu -cpu {cpu} it fails: {died}"
        )
        print(f"      {last[0][:160] if last else '(no output)'}")
        failed += res.returncode != 0
    return 0 if failed == len(QEMU_CPUS) else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=None, help="working directory (default: a temporary one)")
    ap.add_argument("--wheel", type=Path, default=None, help="check this wheel instead of building one")
    ap.add_argument("--no-qemu", action="store_true", help="skip the emulated CPUs")
    ap.add_argument(
        "--native-demo", action="store_true", help="show the check failing on an ENGINE_CPU=native wheel"
    )
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="engine-wheel-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ENGINE_KERNELS", "ENGINE_CPU", "ENGINE_DEBUG", "PYTHONPATH")
    }
    print(f"working in {work}", flush=True)
    if args.native_demo:
        return native_demo(work, env) if args.wheel is None else expect_failure(args.wheel.resolve(), work)
    if args.wheel:
        wheel = args.wheel.resolve()
    else:
        sdist, wheel = build(work, env)
        check_sdist(sdist)
    check_wheel(wheel)
    wheel = audit(wheel, work)
    python = venv_with(wheel, work / "venv")
    tests = copy_tests(work / "tests")
    run_every_path(python, tests, env)
    if not args.no_qemu:
        run_qemu(python, tests, env)
        kernel_smoke(work)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
