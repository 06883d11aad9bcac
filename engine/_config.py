"""Process-wide settings: the thread count every kernel uses."""

from __future__ import annotations

import os

_threads = int(os.environ.get("ENGINE_NUM_THREADS", "0") or 0)


def set_num_threads(n: int) -> None:
    """Set the number of threads every engine kernel (and FAISS) uses.

    The setting is process-wide and applies to every kernel call made after it: the exact
    top-k search, WMD, document vectors, the file readers' normalisation and FAISS's own
    OpenMP pool (when faiss is installed). Results never depend on it. The starting value
    comes from the environment variable ``ENGINE_NUM_THREADS`` (unset or 0: all cores).

    Parameters
    ----------
    n : int
        Number of threads; 0 means all cores (``os.cpu_count()``). Converted with ``int``.

    Raises
    ------
    EngineError
        If ``n`` is negative.

    See Also
    --------
    get_num_threads : The count in use.

    Examples
    --------
    >>> import engine
    >>> engine.set_num_threads(2)
    >>> engine.get_num_threads()
    2
    >>> engine.set_num_threads(0)  # back to all cores
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


def get_num_threads() -> int:
    """Return the number of threads engine's kernels use.

    Returns
    -------
    int
        The count given to ``set_num_threads`` (or ``ENGINE_NUM_THREADS``), or the number of
        cores (``os.cpu_count()``) when that is 0.

    See Also
    --------
    set_num_threads : Change it.

    Examples
    --------
    >>> import os, engine
    >>> engine.set_num_threads(0)
    >>> engine.get_num_threads() == (os.cpu_count() or 1)
    True
    """
    return _threads if _threads > 0 else (os.cpu_count() or 1)
