"""The plot of ``engine bench``: search throughput against batch size, one line per implementation.

It needs matplotlib (the extra ``engine[bench]``): a readable plot needs axes, log scales and a
legend, which a hand-written PNG encoder would have to reimplement (text rendering included); it
is imported only when a plot is drawn.

>>> search_series([dict(N=10, D=4, batch=8, engine_qps=50.0, numpy_qps=float("nan"))])
{'10 × 4': {'engine': [(8.0, 50.0)]}}
"""

import os

from ..errors import DependencyError

# bench_search's rows: one per (shape, batch), a ``batch`` column and one ``<impl>_qps`` column per
# implementation (engine, gensim, faiss, ...); long rows (``impl`` + ``qps``) are read too.
_BATCH_KEYS = ("batch", "batch_size")
_SHAPE_KEYS = ("N", "D", "n", "d", "dim", "shape")
_SERIES_KEYS = ("impl", "implementation", "method", "library")


def _matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise DependencyError(
            "the search plot needs matplotlib: pip install 'engine[bench]' "
            "(or pip install matplotlib), or pass --no-plot"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _first_key(row, keys):
    return next((k for k in keys if k in row), None)


def _number(x):
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if x == x and 0 < x < float("inf") else None


def search_series(rows):
    """``{shape: {implementation: [(batch, queries/s), ...]}}`` from bench_search's rows.

    A shape is the row's ``N × D`` (or whichever of N, D, n, d, dim, shape it has); a rate is
    any ``<impl>_qps`` column, or ``qps`` with an ``impl`` column. Missing or NaN rates are
    left out (numpy has no batch-1 rate, for instance).
    """
    panels = {}
    for r in rows:
        bk = _first_key(r, _BATCH_KEYS)
        batch = _number(r[bk]) if bk else None
        if batch is None:
            continue
        shape = " × ".join(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k in _SHAPE_KEYS if k in r)
        rates = {k[:-4]: r[k] for k in r if k.endswith("_qps")}
        sk = _first_key(r, _SERIES_KEYS)
        if "qps" in r:
            rates[str(r[sk]) if sk else "engine"] = r["qps"]
        for impl, rate in rates.items():
            rate = _number(rate)
            if rate is not None:
                panels.setdefault(shape or "search", {}).setdefault(impl, []).append((batch, rate))
    return {shape: {impl: sorted(pts) for impl, pts in series.items()} for shape, series in panels.items()}


def plot_search(rows, path, report=None):
    """Draw search throughput against batch size (log-log), one panel per vocabulary shape,
    one line per implementation, into the PNG ``path``; False when the rows hold no rates."""
    panels = search_series(rows)
    if not panels:
        return False
    plt = _matplotlib()
    cols = min(2, len(panels))
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(6.5 * cols, 4.2 * nrows), dpi=100, squeeze=False)
    impls = sorted({i for series in panels.values() for i in series}, key=lambda i: (i != "engine", i))
    colors = {impl: f"C{j}" for j, impl in enumerate(impls)}
    for ax, (shape, series) in zip(axes.flat, panels.items()):
        for impl in impls:
            if impl in series:
                xs, ys = zip(*series[impl])
                ax.plot(
                    xs,
                    ys,
                    marker="o",
                    color=colors[impl],
                    label=impl,
                    linewidth=2.4 if impl == "engine" else 1.2,
                )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size (queries per call)")
        ax.set_ylabel("queries per second")
        ax.set_title(f"vocabulary {shape}", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    title = "exact top-k cosine search throughput"
    if report:
        m = report["machine"]
        title += f" — {m['cpu']}, {m['cores']} cores, {report['threads'].get('engine')} threads"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return True
