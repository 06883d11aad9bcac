"""Progress bars of long operations, drawn by tqdm (``tqdm.auto``: a widget in notebooks).

One switch, ``progress``, as every long call of the library takes it:

- ``False`` (the library's default, so importing code is never noisy): no bar;
- ``True``: a bar on standard error when it is a terminal, and in a notebook; nothing when
  standard error is a pipe or a file (``engine ... 2> log``);
- ``"always"``: a bar wherever standard error goes.

The rate shown is tqdm's exponential moving average (``smoothing``), so it is the current rate,
not the mean since the start, and the ETA follows it.

>>> with bar(total=3, progress=False) as b:
...     b.disable
True
"""

__all__ = ["bar", "reading"]

# tqdm's moving-average weight of the latest interval: 0 would be the cumulative mean rate,
# 1 the last interval alone; 0.3 (tqdm's default) follows a change of pace within a few redraws
SMOOTHING = 0.3


def _disable(progress):
    """tqdm's ``disable`` for a ``progress`` switch: None lets tqdm draw only on a terminal."""
    if progress == "always":
        return False
    if progress is True:
        return None
    if progress is False or progress is None:
        return True
    from .errors import EngineError

    raise EngineError(f"progress: expected True, False or 'always', got {progress!r}")


def bar(iterable=None, *, total=None, desc=None, unit="it", unit_scale=False, progress=False, file=None):
    """A progress bar (a ``tqdm`` object) that draws only when ``progress`` asks for it.

    Parameters
    ----------
    iterable : iterable, optional
        Wrapped: iterating the bar iterates it and counts its items.
    total : int or float, optional
        The count at completion (default ``len(iterable)`` when it has one); None shows a count
        and a rate without a percentage or an ETA.
    desc : str, optional
        What is being done, before the bar.
    unit : str
        What is counted (``"B"`` with ``unit_scale=True`` shows kB, MB, ...).
    unit_scale : bool
        Scale the counts with SI prefixes.
    progress : bool or "always"
        False: no bar; True: a bar when standard error is a terminal or in a notebook;
        ``"always"``: a bar in any case.
    file : text stream, optional
        Where it is drawn (default standard error).

    Returns
    -------
    tqdm
        Use as a context manager, call ``update(n)``, or iterate it.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with bar(range(4), desc="demo", progress=False) as b:
    ...     sum(b)
    6
    """
    from tqdm.auto import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit_scale,
        disable=_disable(progress),
        smoothing=SMOOTHING,
        mininterval=0.2,
        dynamic_ncols=True,
        leave=False,
        file=file,
    )


class _Reading:
    """A binary file whose reads advance a bar (for readers that call ``read``/``readinto``)."""

    def __init__(self, f, b):
        self._f, self._bar = f, b

    def readinto(self, buffer):
        got = self._f.readinto(buffer)
        if got:
            self._bar.update(got)
        return got

    def read(self, size=-1):
        data = self._f.read(size)
        self._bar.update(len(data))
        return data

    def __getattr__(self, name):
        return getattr(self._f, name)


def reading(f, total=None, desc=None, progress=False):
    """``f`` as is (no ``progress``), or wrapped so that each read advances a bar of bytes.

    Parameters
    ----------
    f : binary file
        Read through ``read`` or ``readinto``.
    total : int, optional
        Its size in bytes (None: a count and a rate only).
    desc : str, optional
        What is being read.
    progress : bool or "always"
        As for :func:`bar`.

    Returns
    -------
    (file, tqdm or None)
        The file to read from, and the bar to close when done (None when there is none).

    Examples
    --------
    >>> import io
    >>> f, b = reading(io.BytesIO(b"abc"), total=3, progress=False)
    >>> f.read(), b
    (b'abc', None)
    """
    if _disable(progress) is True:
        return f, None
    b = bar(total=total, desc=desc, unit="B", unit_scale=True, progress=progress)
    return _Reading(f, b), b
