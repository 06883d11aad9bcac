"""Build engine's native kernels.

Three extension modules:
  engine._native  C++17 kernels (csrc/*.hpp) bound with pybind11 in csrc/bindings/*.cpp
  engine._text    Cython: tokenising text and mapping words to ids in bulk
  engine.io._formats Cython: the word2vec / GloVe / fastText .vec readers and writers

Environment switches (read at build time):
  ENGINE_CPU=native       instruction sets to target: passed as -march=...  ("native" is the
                          default: the build machine's own, AVX-512 where it has it). Use e.g.
                          ENGINE_CPU=x86-64-v3 (AVX2+FMA) for a build that runs on other machines.
  ENGINE_DEBUG=1          debug build with AddressSanitizer and UBSan (-O1 -g); see README.
"""

import glob
import os
import sys

import numpy
from Cython.Build import cythonize
from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import Extension, find_packages, setup

cpu = os.environ.get("ENGINE_CPU", "native")
debug = os.environ.get("ENGINE_DEBUG", "") not in ("", "0")

compile_args = ["-fopenmp", f"-march={cpu}", "-fno-math-errno"]
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

# one binding file per kernel family (module.cpp holds PYBIND11_MODULE); any header change
# rebuilds them all
bindings = sorted(glob.glob("csrc/bindings/*.cpp"))
headers = sorted(glob.glob("csrc/*.hpp") + glob.glob("csrc/bindings/*.hpp"))
native = Pybind11Extension(
    "engine._native",
    bindings,
    include_dirs=["csrc"],
    cxx_std=17,
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

# The benchmark scripts stay in benchmarks/ (where a contributor looks for them) and are installed
# as engine.benchmarks, so that `engine bench` runs from an installed package.
setup(
    packages=[*find_packages(include=["engine", "engine.*"]), "engine.benchmarks"],
    package_dir={"engine.benchmarks": "benchmarks"},
    ext_modules=[native, *cython_exts],
    cmdclass={"build_ext": build_ext},
)
