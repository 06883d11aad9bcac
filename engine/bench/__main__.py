"""``python -m engine.bench [DIR]``: re-render the performance pages in DIR (default
``docs/performance``) from the results saved there, running no benchmark.

To measure, use ``engine bench [NAME ...] [--quick] --docs DIR``.
"""

import os
import sys

from .docs import render

for path in render(sys.argv[1] if len(sys.argv) > 1 else os.path.join("docs", "performance")):
    print(f"wrote {path}")
