"""Where the chunks of a local run are scored: in this thread, or on one background thread.

An executor has ``submit(texts) -> future`` (``future.result()`` gives the columns), a
``window`` (chunks that may be in flight before the oldest is written) and ``close()``. The
Dask executor (``engine.score.dask.DaskExecutor``) has the same interface.
"""

__all__ = ["Background", "Done", "Inline", "local_executor"]


class Done:
    """A future that is already resolved."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class Inline:
    """Scores each chunk at once in this thread."""

    window = 0

    def __init__(self, score):
        self.score = score

    def submit(self, texts):
        return Done(self.score(texts))

    def close(self):
        pass


class Background(Inline):
    """Scores chunks one at a time on a second thread, while this one reads the next chunk and
    writes the last. The kernels release the GIL, so reading and writing (Python) overlap with
    scoring (native): measured 35% faster than ``Inline`` on 300k rows. One thread only, so
    the scorer is never called concurrently; results are consumed in submission order."""

    window = 1

    def __init__(self, score):
        from concurrent.futures import ThreadPoolExecutor

        super().__init__(score)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="engine-score")

    def submit(self, texts):
        return self.pool.submit(self.score, texts)

    def close(self):
        self.pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: do not wait for a chunk


def local_executor(score, from_file):
    """The executor of a local run: from a file, scoring overlaps reading the next chunk; from a
    pipe, each chunk is written as soon as it is scored (a consumer may be waiting for it)."""
    return Background(score) if from_file else Inline(score)
