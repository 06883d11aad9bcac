"""Build engine's native kernels.

Three extension modules:
  engine._native  C++17 kernels (csrc/*.hpp) bound with pybind11 in csrc/bindings/*.cpp
  engine._text    Cython: tokenising text and mapping words to ids in bulk
  engine.io._formats Cython: the word2vec / GloVe / fastText .vec readers and writers

By default the build runs on every CPU of its architecture: on x86-64 everything is compiled for
x86-64-v2 (SSE4.2, POPCNT) and the kernels once more for each dispatch path (csrc/dispatch/:
avx2 = x86-64-v3, avx512 = x86-64-v4, spr = Sapphire Rapids with AMX); engine._kernels picks the
fastest path the running CPU supports at import (docs/portable-builds.md). On aarch64 and other
architectures there is one path, the compiler's baseline (NEON on aarch64).

Environment switches (read at build time):
  ENGINE_CPU=native       a build for one CPU instead: everything compiled with -march=native
                          (or -march=<value>, e.g. ENGINE_CPU=x86-64-v3), one kernel path named
                          "native"; such a build dies with an illegal instruction on a CPU without
                          the features it was compiled for.
  ENGINE_DEBUG=1          debug build with AddressSanitizer and UBSan (-O1 -g); see README.
  ENGINE_BUILD_JOBS=N     compile N files at once (default: one per core).
"""

import glob
import os
import sys
import sysconfig

import numpy
from Cython.Build import cythonize
from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import Extension, find_packages, setup

ParallelCompile("ENGINE_BUILD_JOBS").install()


def target_machine():
    """The architecture the build is for: macOS cross builds say so in ARCHFLAGS, the others in
    the platform tag (which follows _PYTHON_HOST_PLATFORM when cross-compiling)."""
    arch = os.environ.get("ARCHFLAGS", "").split()
    if "-arch" in arch and arch.index("-arch") + 1 < len(arch):
        return arch[arch.index("-arch") + 1]
    return sysconfig.get_platform().rsplit("-", 1)[-1]


cpu = os.environ.get("ENGINE_CPU", "")
debug = os.environ.get("ENGINE_DEBUG", "") not in ("", "0")
x86 = target_machine() in ("x86_64", "amd64", "AMD64")

# -Wno-psabi: GCC notes that a 64-byte vector passed by value has another ABI where AVX-512 is
# off; the kernels' vector values never cross between paths (each path is its own namespace)
compile_args = ["-fopenmp", "-fno-math-errno"] + ([] if sys.platform == "darwin" else ["-Wno-psabi"])
if cpu:  # one CPU
    compile_args.append(f"-march={cpu}")
elif x86:  # the baseline every dispatch path builds on
    compile_args.append("-march=x86-64-v2")
link_args = ["-fopenmp"]
if debug:
    sanitize = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
    compile_args += ["-O1", "-g"] + sanitize
    link_args += sanitize
else:
    compile_args += ["-O3"]

if sys.platform == "darwin":  # Apple clang: OpenMP from libomp
    compile_args = [a for a in compile_args if a != "-fopenmp"] + ["-Xpreprocessor", "-fopenmp"]
    link_args = [a for a in link_args if a != "-fopenmp"] + ["-lomp"]

# One binding file per kernel family (module.cpp holds PYBIND11_MODULE), compiled once; the kernels
# once per dispatch path (csrc/dispatch/<path>.cpp: baseline, avx2, avx512, spr; the x86 paths are
# empty files elsewhere). A build for one CPU compiles the baseline file alone, as path "native".
# Any header change rebuilds them all.
paths = ["baseline"] if cpu else ["baseline", "avx2", "avx512", "spr"]
sources = sorted(glob.glob("csrc/bindings/*.cpp")) + [f"csrc/dispatch/{p}.cpp" for p in paths]
headers = sorted(glob.glob("csrc/*.hpp") + glob.glob("csrc/*/*.hpp"))
native = Pybind11Extension(
    "engine._native",
    sources,
    include_dirs=["csrc"],
    cxx_std=17,
    define_macros=[("ENGINE_NATIVE", "1")] if cpu else [],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
    depends=headers,
)


def cython_ext(name):
    """A Cython module engine.<name> from engine/<name as a path>.pyx, compiled as C++17 (no OpenMP)."""
    return Extension(
        f"engine.{name}",
        [f"engine/{name.replace('.', '/')}.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=[a for a in compile_args if a != "-fopenmp"] + ["-std=c++17"],
        extra_link_args=[a for a in link_args if a != "-fopenmp"],
        language="c++",
    )


cython_exts = cythonize(
    # _text: text -> ids; io._formats: the word2vec/GloVe readers and writers
    [cython_ext("_text"), cython_ext("io._formats")],
    compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
)


class BuildExt(build_ext):
    """build_ext, rebuilding everything when ENGINE_CPU, ENGINE_DEBUG or the target differ from the
    last build in this build directory (setuptools would otherwise keep a module built for
    another configuration as up to date)."""

    def run(self):
        stamp = os.path.join(self.build_temp, "engine-build-config")
        config = f"ENGINE_CPU={cpu} ENGINE_DEBUG={int(debug)} target={target_machine()}\n"
        try:
            with open(stamp) as f:
                self.force = self.force or f.read() != config
        except OSError:
            self.force = True
        super().run()
        os.makedirs(self.build_temp, exist_ok=True)
        with open(stamp, "w") as f:
            f.write(config)


# The benchmark scripts stay in benchmarks/ (where a contributor looks for them) and are installed
# as engine.benchmarks, so that `engine bench` runs from an installed package.
setup(
    packages=[*find_packages(include=["engine", "engine.*"]), "engine.benchmarks"],
    package_dir={"engine.benchmarks": "benchmarks"},
    ext_modules=[native, *cython_exts],
    cmdclass={"build_ext": BuildExt},
)
