"""``python -m engine.bench [DIR]``: re-render the performance pages in DIR (default
``docs/performance``) from the results saved there, running no benchmark.

To measure, use ``engine bench [NAME ...] [--quick] --docs DIR``.
"""

import argparse
import os

from .docs import render

parser = argparse.ArgumentParser(
    prog="python -m engine.bench",
    description="Re-render the performance pages from the results saved beside them (no benchmark runs); "
    "to measure, use `engine bench [NAME ...] [--quick] --docs DIR`.",
)
parser.add_argument(
    "dir", nargs="?", default=os.path.join("docs", "performance"), help="default: docs/performance"
)
for path in render(parser.parse_args().dir):
    print(f"wrote {path}")
