"""engine's benchmark scripts, installed with the package as ``engine.benchmarks``.

Run them with ``engine bench [NAME ...] [--quick]`` (see :mod:`engine.bench`), or one from a
source checkout with ``python benchmarks/bench_NAME.py [--quick]``.
"""
