"""Progress of a scoring run: rows, the current rate and an ETA, drawn by tqdm (``engine._progress``).

The input's size is known in bytes (or Parquet rows), not in rows, so the bar's total is the
row count that the fraction of the input read so far projects; the rate is tqdm's moving
average (the current rate, not the mean since the start).

>>> import io
>>> bar = Progress(stream=io.StringIO(), enabled=True, interval=0)
>>> bar.update(500, 0.5)
>>> bar.close()
>>> "500/1000" in bar.stream.getvalue()
True
"""

import sys

from .. import _progress

__all__ = ["Progress", "rate"]


class Progress:
    """The bar of a scoring run on standard error; silent when it is not a terminal.

    Parameters
    ----------
    stream : file, optional
        Where the bar is drawn (default stderr).
    enabled : bool, optional
        Draw it; default when ``stream`` is a terminal.
    interval : float
        Least seconds between redraws.
    """

    def __init__(self, stream=None, enabled=None, interval=0.2):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else bool(enabled)
        self.bar = _progress.bar(
            desc="score", unit="row", progress="always" if self.enabled else False, file=self.stream
        )
        self.bar.mininterval = interval

    def update(self, rows, fraction=None, force=False):
        """Show ``rows`` done, ``fraction`` of the input read (None: unknown, as for a pipe)."""
        if not self.enabled:
            return
        if fraction:
            self.bar.total = max(rows, round(rows / fraction))
        self.bar.update(rows - self.bar.n)
        if force:
            self.bar.refresh()

    def close(self):
        self.bar.close()


def rate(x):
    """A rate as shown: thousands separated above 100, three significant digits below."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"
