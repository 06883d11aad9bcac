"""Every loader under mutation fuzzing: a mutated input loads or raises an EngineError.

hypothesis draws the mutations (a fixed seed: ``derandomize``) of small valid seeds
(``tests/fuzz.py``): each example is one input whose mutations hypothesis chooses, then
``BATCH - 1`` more drawn from a ``random.Random`` seeded by hypothesis (hypothesis's own
bookkeeping would otherwise cost more than the loads). ``ENGINE_FUZZ_INPUTS`` inputs per format
(10,000 by default; the ASan/UBSan run of ``make test-asan`` uses fewer). The long run is ``python -m tests.fuzz``
(docs/reliability.md).
"""

import os
import random

import pytest
from fuzz import prepare, random_ops, run_one, stress, targets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

N = int(os.environ.get("ENGINE_FUZZ_INPUTS", "10000"))
BATCH = 10

_OPS = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.integers(0, 1 << 16),
        st.integers(0, 1 << 16),
        st.binary(max_size=8),
    ),
    min_size=1,
    max_size=4,
)


@pytest.fixture(scope="module")
def all_targets(tmp_path_factory):
    return targets(str(tmp_path_factory.mktemp("seeds")))


NAMES = [
    "engine",
    "word2vec-binary",
    "word2vec-text",
    "glove",
    "gz",
    "bz2",
    "faiss",
    "labels",
    "score-jsonl",
    "score-csv",
]


def test_every_target_is_fuzzed(all_targets):
    assert sorted(all_targets) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_fuzz_loader(name, all_targets, tmp_path):
    target = all_targets[name]
    folder = tmp_path / "case"
    folder.mkdir()
    # the seeds themselves load
    assert (
        run_one(target, str(folder), sorted(target.files)[0], target.files[sorted(target.files)[0]]) is None
    )

    count = [0]

    @settings(
        max_examples=max(1, N // BATCH),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(which=st.integers(0, 15), ops=_OPS, inner=st.booleans(), seed=st.integers(0, 2**32))
    def batch(which, ops, inner, seed):
        rng = random.Random(seed)
        for i in range(BATCH):
            if i:
                which, ops, inner = rng.randrange(16), random_ops(rng), rng.random() < 0.5
            fname, data = prepare(target, which, ops, inner)
            err = run_one(target, str(folder), fname, data)
            count[0] += 1
            assert err is None, f"{name}/{fname}: {type(err).__name__}: {str(err)[:300]} on {data[:200]!r}"

    batch()
    assert count[0] >= N


def test_stress_short():
    """4 threads searching while the thread count changes: identical answers, no deadlock."""
    s = stress(3, threads=4)
    assert s["errors"] == [] and s["mismatches"] == 0 and s["deadlocks"] == 0 and s["searches"] > 0
