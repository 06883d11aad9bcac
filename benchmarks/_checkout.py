"""Makes ``python benchmarks/NAME.py``, run in a source checkout, import that checkout's engine.

A benchmark imports this module first when it runs as a script: it puts the checkout's root (the
folder above ``benchmarks``) first on ``sys.path``, so that ``import engine`` finds the engine
built there rather than another one installed. Where engine is installed (the scripts are then
``engine.benchmarks``) there is no such root and this does nothing.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isfile(os.path.join(ROOT, "engine", "__init__.py")):
    sys.path.insert(0, ROOT)
