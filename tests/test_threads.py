"""engine.set_num_threads: one setting for every kernel; results never depend on it, on any
dispatch path."""

import numpy as np
import pytest
from _paths import kernel_path  # noqa: F401  (the fixture)

import engine
from engine import _kernels


@pytest.fixture(autouse=True)
def restore_threads():
    before = engine._config._threads
    yield
    engine.set_num_threads(before)


def test_set_and_get():
    engine.set_num_threads(1)
    assert engine.get_num_threads() == 1
    engine.set_num_threads(0)
    assert engine.get_num_threads() >= 1


def test_negative_count_is_an_engine_error():
    with pytest.raises(engine.EngineError, match="-3"):
        engine.set_num_threads(-3)


@pytest.mark.usefixtures("kernel_path")
def test_results_do_not_depend_on_the_thread_count():
    m = np.random.default_rng(0).standard_normal((1000, 33)).astype(np.float32)
    engine.set_num_threads(1)
    u1, n1 = _kernels.normalize_rows(m)
    engine.set_num_threads(2)
    u2, n2 = _kernels.normalize_rows(m)
    assert np.array_equal(u1, u2) and np.array_equal(n1, n2)


def test_cli_threads_flag_sets_the_count(capsys):
    from engine.cli import main

    assert main(["--threads", "-1", "info", "x"]) == 2
    assert "must be >= 0" in capsys.readouterr().err
