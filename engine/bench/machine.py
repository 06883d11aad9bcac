"""What a benchmark ran on: the CPU, the load, the versions of engine and its peers, the thread counts.

>>> info = machine()
>>> info["cores"] >= 1 and bool(info["cpu"])
True
>>> "numpy" in versions() and threads()["engine"] >= 1
True
"""

import importlib.util
import os
import platform
import sys
import time

# (label, module, distribution), for the versions saved with every result
PEERS = [
    ("numpy", "numpy", "numpy"),
    ("scipy", "scipy", "scipy"),
    ("gensim", "gensim", "gensim"),
    ("faiss", "faiss", "faiss-cpu"),
    ("POT", "ot", "POT"),
    ("hnswlib", "hnswlib", "hnswlib"),
    ("pyarrow", "pyarrow", "pyarrow"),
    ("dask", "dask", "dask"),
    ("torch", "torch", "torch"),
    ("sentence-transformers", "sentence_transformers", "sentence-transformers"),
]
# reported only when a benchmark imported them: importing them costs seconds and memory
ONLY_IF_IMPORTED = {"torch", "sentence_transformers"}


def cpu_model():
    """The CPU model from /proc/cpuinfo (or the platform's best guess)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def load_average():
    """The 1, 5 and 15 minute load averages (rounded), or None where the platform has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def machine():
    """CPU model, logical cores, memory, platform, Python and the load average now."""
    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        info["memory_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    info["load_average"] = load_average()
    return info


def versions():
    """``{library: version}`` for engine and its peers (None: not installed; torch and
    sentence-transformers are listed only when a benchmark imported them)."""
    from importlib import metadata

    from .. import __version__

    out = {"engine": __version__}
    for label, module, dist in PEERS:
        if module in ONLY_IF_IMPORTED and module not in sys.modules:
            continue
        try:
            out[label] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            spec = importlib.util.find_spec(module)
            out[label] = (
                None if spec is None else getattr(importlib.import_module(module), "__version__", "?")
            )
    return out


def threads():
    """The thread counts in effect: engine's, OMP_NUM_THREADS, FAISS's OpenMP, torch's (when
    imported) and each BLAS pool's."""
    from .._config import get_num_threads

    out = {"engine": get_num_threads(), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}
    try:
        import faiss

        out["faiss"] = faiss.omp_get_max_threads()
    except ImportError:
        pass
    if "torch" in sys.modules:
        out["torch"] = sys.modules["torch"].get_num_threads()
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            out[f"{pool.get('internal_api')} ({pool.get('user_api')})"] = pool.get("num_threads")
    except ImportError:
        pass
    return out


def utc_now():
    """The time now, ``YYYY-MM-DD HH:MM:SS UTC``."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
