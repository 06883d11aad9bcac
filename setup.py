"""Build engine's native kernels.

Three extension modules:
  engine._native  C++17 kernels (csrc/*.hpp) bound with pybind11 in csrc/bindings.cpp
  engine._text    Cython: tokenising text and mapping words to ids in bulk
  engine._formats Cython: the word2vec / GloVe / fastText .vec readers and writers

Environment switches (read at build time):
  ENGINE_CPU=native       instruction sets to target: passed as -march=...  ("native" is the
                          default: the build machine's own, AVX-512 where it has it). Use e.g.
                          ENGINE_CPU=x86-64-v3 (AVX2+FMA) for a build that runs on other machines.
  ENGINE_DEBUG=1          debug build with AddressSanitizer and UBSan (-O1 -g); see README.
"""

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

native = Pybind11Extension(
    "engine._native",
    ["csrc/bindings.cpp"],
    include_dirs=["csrc"],
    cxx_std=17,
    extra_compile_args=compile_args,
    extra_link_args=link_args,
    depends=[os.path.join("csrc", f) for f in os.listdir("csrc") if f.endswith(".hpp")],
)


def cython_ext(name):
    """A Cython module engine.<name> from engine/<name>.pyx, compiled as C++17 (no OpenMP)."""
    return Extension(
        f"engine.{name}",
        [f"engine/{name}.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=[a for a in compile_args if a != "-fopenmp"] + ["-std=c++17"],
        extra_link_args=[a for a in link_args if a != "-fopenmp"],
        language="c++",
    )


cython_exts = cythonize(
    # _text: text -> ids; _formats: the word2vec/GloVe readers and writers
    [cython_ext("_text"), cython_ext("_formats")],
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
