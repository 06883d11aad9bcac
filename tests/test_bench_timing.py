"""The shared timing helper of the benchmarks (engine.bench.timing): warm-up, repeats, medians,
the alternation that gives every peer the same load, equality checks on the timed outputs, the
thread limits. Counts and orders are asserted, never speeds."""

import math

import pytest

from engine.bench import timing


class Clock:
    """A fake perf_counter/process_time: each call of a timed function advances it by a set step."""

    def __init__(self, monkeypatch):
        self.now = 0.0
        monkeypatch.setattr(timing.time, "perf_counter", lambda: self.now)
        monkeypatch.setattr(timing.time, "process_time", lambda: self.now / 2)

    def step(self, *durations):
        it = iter(durations)

        def fn():
            self.now += next(it)
            return self.now

        return fn


def test_timed_warms_up_once_then_takes_median_min_max_per_item(monkeypatch):
    clock = Clock(monkeypatch)
    # the warm-up (100 s) is not timed; the repeats take 3, 1 and 2 s for 4 items each
    t = timing.timed(clock.step(100.0, 3.0, 1.0, 2.0), 3, per=4)
    assert (t.wall, t.wall_min, t.wall_max, t.runs, t.per) == (0.5, 0.25, 0.75, 3, 4)
    assert t.cpu == 0.25 and len(t.load) == 2
    assert "3 runs" in t.spread()


def test_timed_without_warmup_times_the_first_call_and_budget_stops_early(monkeypatch):
    clock = Clock(monkeypatch)
    t = timing.timed(clock.step(100.0, 1.0, 1.0), 3, warmup=False)
    assert t.runs == 3 and t.wall_max == 100.0
    t = timing.timed(clock.step(5.0, 5.0, 5.0, 5.0), 3, warmup=False, budget=8.0)
    assert t.runs == 2  # stopped once 10 s > 8 s had run


def test_compare_gives_every_peer_the_same_repeats_in_alternating_order():
    calls = []

    def make(name):
        return lambda: calls.append(name) or name

    out = timing.compare({"a": make("a"), "b": make("b")}, 4, per=10)
    # the warm-up of each, then rounds in order a b, b a, a b, b a
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a"]
    assert list(out) == ["a", "b"] and out["a"].runs == out["b"].runs == 4
    assert out["a"].per == out["b"].per == 10


def test_compare_checks_the_outputs_of_the_very_inputs_timed():
    seen = {}

    def check(outputs):
        seen.update(outputs)
        return outputs["engine"] == outputs["peer"]

    timing.compare({"engine": lambda: [1, 2], "peer": lambda: [1, 2]}, 1, check=check)
    assert seen == {"engine": [1, 2], "peer": [1, 2]}
    with pytest.raises(AssertionError, match="outputs of engine, peer differ"):
        timing.compare({"engine": lambda: [1, 2], "peer": lambda: [2, 1]}, 1, check=check)
    seen.clear()  # without a warm-up, the first timed repeat's outputs are checked
    timing.compare({"engine": lambda: 3, "peer": lambda: 3}, 2, warmup=False, check=check)
    assert seen == {"engine": 3, "peer": 3}


def test_repeats_must_be_positive():
    for fn in (timing.timed, timing.compare, timing.fresh_runs):
        with pytest.raises(ValueError, match="repeats must be at least 1"):
            fn({"a": lambda: 0} if fn is timing.compare else (lambda: {"seconds": 1.0}), 0)


def test_paired_is_compare_in_list_order():
    a, b = timing.paired([lambda: 1, lambda: 2], 2)
    assert a.runs == b.runs == 2 and math.isfinite(a.wall)


def test_once_returns_the_output_and_times_the_first_call(monkeypatch):
    clock = Clock(monkeypatch)
    out, t = timing.once(clock.step(7.0))
    assert out == 7.0 and (t.wall, t.wall_min, t.wall_max, t.runs) == (7.0, 7.0, 7.0, 1)


def test_fresh_runs_medians_every_key_and_keeps_the_rest():
    runs = iter([dict(seconds=3.0, peak_mb=10.0, n=5), dict(seconds=1.0, peak_mb=30.0, n=5)])
    out = timing.fresh_runs(runs.__next__, 2, ("seconds", "peak_mb"))
    assert out["seconds"] == 2.0 and out["peak_mb"] == 20.0 and out["n"] == 5
    assert (out["seconds_min"], out["seconds_max"], out["runs"]) == (1.0, 3.0, 2)


def test_limit_threads_holds_every_library_and_restores_them():
    import faiss
    from threadpoolctl import threadpool_info

    import engine

    engine.set_num_threads(2)
    faiss.omp_set_num_threads(2)
    with timing.limit_threads(1) as counts:
        assert engine.get_num_threads() == 1 and faiss.omp_get_max_threads() == 1
        assert counts["engine"] == 1 and counts["faiss"] == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert engine.get_num_threads() == 2 and faiss.omp_get_max_threads() == 2


def test_limit_threads_refuses_a_library_that_ignores_the_limit(monkeypatch):
    import engine

    before = engine.get_num_threads()
    real = timing._library_threads

    def stubborn():
        libs = real()
        libs["stubborn"] = (lambda: 7, lambda n: None)
        return libs

    monkeypatch.setattr(timing, "_library_threads", stubborn)
    with pytest.raises(RuntimeError, match="not taken by {'stubborn': 7}"):
        with timing.limit_threads(1):
            pass
    assert engine.get_num_threads() == before  # restored even when refused
