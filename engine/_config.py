"""Process-wide settings: the thread count every kernel uses."""

import os

_threads = int(os.environ.get("ENGINE_NUM_THREADS", "0") or 0)


def set_num_threads(n):
    """Set the number of threads every engine kernel (and FAISS) uses; 0 means all cores.

    >>> import engine
    >>> engine.set_num_threads(2)
    >>> engine.get_num_threads()
    2
    """
    global _threads
    n = int(n)
    if n < 0:
        from .errors import EngineError

        raise EngineError(f"set_num_threads: the count must be >= 0 (0 means all cores), got {n}")
    _threads = n
    try:  # FAISS keeps its own OpenMP pool
        import faiss

        faiss.omp_set_num_threads(n if n > 0 else os.cpu_count() or 1)
    except ImportError:
        pass


def get_num_threads():
    """The thread count kernels use (all cores when set to 0)."""
    return _threads if _threads > 0 else (os.cpu_count() or 1)
