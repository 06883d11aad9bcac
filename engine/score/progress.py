"""Progress of a scoring run on a terminal: a one-line bar with rows, rate and ETA.

>>> import io
>>> bar = Progress(stream=io.StringIO(), enabled=True, interval=0)
>>> bar.update(500, 0.5)
>>> "50.0%" in bar.stream.getvalue()
True
"""

import sys
import time

__all__ = ["Progress", "rate"]


class Progress:
    """A one-line progress bar with rate and ETA on a terminal (stderr); silent otherwise.

    Parameters
    ----------
    stream : file, optional
        Where the bar is drawn (default stderr).
    enabled : bool, optional
        Draw it; default when ``stream`` is a terminal.
    interval : float
        Seconds between redraws.
    """

    def __init__(self, stream=None, enabled=None, interval=0.2):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.interval = interval
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.drawn = False

    def update(self, rows, fraction=None, force=False):
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        elapsed = max(now - self.t0, 1e-9)
        per_second = rows / elapsed
        if fraction is not None and fraction > 0:
            eta = elapsed * (1 - fraction) / fraction
            bar = "#" * int(24 * fraction)
            line = f"\r[{bar:<24}] {100 * fraction:5.1f}%  {rows:,} rows  {rate(per_second)} rows/s  ETA {_hms(eta)} "
        else:
            line = f"\r{rows:,} rows  {rate(per_second)} rows/s  {_hms(elapsed)} "
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def rate(x):
    """A rate as shown: thousands separated above 100, three significant digits below."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def _hms(s):
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
