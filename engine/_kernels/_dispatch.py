"""Which compiled copy of the kernels runs: the dispatch paths of ``engine._native`` and the
choice among them, made once, at import.

The build compiles every kernel once per instruction set (csrc/dispatch/): ``engine._native``
holds one submodule per path, ``_native.paths`` lists them fastest first, and the last one
("baseline") runs on any CPU of the architecture. A path needs the CPU features it was compiled
for and the OS's support for their registers (XGETBV); "spr" also needs the OS's permission for
AMX tile data (Linux: ``arch_prctl``), asked for here. ``ENGINE_KERNELS=<path>`` forces a path;
one the CPU cannot run is an EngineError naming what is missing, never an illegal instruction.

``active`` is the chosen path's module: the kernel families call ``_dispatch.active.<kernel>``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import textwrap
from typing import NamedTuple

from .. import _native
from ..errors import EngineError

log = logging.getLogger(__name__)

ENV = "ENGINE_KERNELS"

#: the paths compiled into this build, fastest first
PATHS = tuple(_native.paths)

#: the CPU's features and the register state the OS saves: name -> bool (empty off x86-64)
FEATURES = dict(_native.cpu_features())

# the register state a path's os_state names, and the narrower states it includes
_STATES = {
    "": (),
    "ymm": ("ymm-state",),
    "zmm": ("ymm-state", "zmm-state"),
    "amx": ("ymm-state", "zmm-state", "amx-state"),
}

_AMX_REFUSAL = []  # the OS's answer to the AMX request, asked once: [] not asked, [errno] asked


def _amx_refused():
    """The errno with which the OS refused AMX tile data ('' if granted), asked once."""
    if not _AMX_REFUSAL:
        _AMX_REFUSAL.append(_native.request_amx())
    err = _AMX_REFUSAL[0]
    return "" if err == 0 else os.strerror(err)


def requirements(path):
    """What ``path`` needs: CPU features (GCC's names) and ``<registers>-state`` for the OS.

    Parameters
    ----------
    path : str
        A name of `PATHS`.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> all(isinstance(need, str) for need in requirements(PATHS[0]))
    True
    """
    module = getattr(_native, path)
    return tuple(f for f in module.requires.split(",") if f) + _STATES[module.os_state]


def missing(path):
    """What the running CPU and OS lack of what ``path`` needs (empty: it can run).

    Parameters
    ----------
    path : str
        As in `requirements`.

    Returns
    -------
    list of str
        The missing features, and ``"amx-permission (...)"`` when the OS refused AMX tile data.

    Examples
    --------
    >>> missing(PATHS[-1])
    []
    """
    lacks = [f for f in requirements(path) if not FEATURES.get(f, False)]
    if not lacks and getattr(_native, path).os_state == "amx" and _amx_refused():
        lacks.append(f"amx-permission ({_amx_refused()})")
    return lacks


def supported_paths():
    """The compiled paths the running CPU and OS can run, fastest first.

    Examples
    --------
    >>> supported_paths()[-1] == PATHS[-1]
    True
    """
    return tuple(p for p in PATHS if not missing(p))


def _choose(forced):
    """The path to run: ``forced`` (checked) or the fastest one supported."""
    if forced:
        if forced not in PATHS:
            raise EngineError(
                f"{ENV}={forced}: no such kernel path in this build (it has {', '.join(PATHS)})"
            )
        lacks = missing(forced)
        if lacks:
            raise EngineError(f"{ENV}={forced}: this CPU or OS lacks {', '.join(lacks)}")
        return forced
    skipped = []
    for path in PATHS:
        lacks = missing(path)
        if not lacks:
            if skipped:
                log.debug("engine kernels: the %s path (%s)", path, "; ".join(skipped))
            return path
        skipped.append(f"{path} lacks {', '.join(lacks)}")
    # only a build for one CPU gets here: its one path needs what that CPU had
    raise EngineError(
        f"this engine was built for another CPU (ENGINE_CPU=native): this one lacks "
        f"{', '.join(missing(PATHS[-1]))}; reinstall it from source on this machine"
    )


_FORCED = os.environ.get(ENV, "").strip()

#: the chosen path's name and module
path = _choose(_FORCED)
active = getattr(_native, path)


def using_path(name):
    """Run the kernels of path ``name`` inside the block (process-wide: for tests and benchmarks).

    Parameters
    ----------
    name : str
        A path the CPU supports (see `supported_paths`).

    Yields
    ------
    module
        The path's kernels.

    Raises
    ------
    EngineError
        For a path that is not compiled in or that the CPU cannot run.

    Examples
    --------
    >>> with using_path(PATHS[-1]) as kernels:
    ...     kernels.__name__ == "engine._native." + PATHS[-1]
    True
    """
    global active, path
    chosen = _choose(name)
    before = active, path
    active, path = getattr(_native, chosen), chosen
    try:
        yield active
    finally:
        active, path = before


# applied here, not as a decorator: mutmut 3 does not mutate a decorated function (docs/evidence.md)
using_path = contextlib.contextmanager(using_path)


_INDENT = dict(initial_indent="features:   ", subsequent_indent=" " * 12)


class CpuInfo(NamedTuple):
    """The CPU, what it offers the kernels, and the kernel path in use (`cpu_info`)."""

    machine: str  #: the architecture, e.g. "x86_64"
    model: str  #: the CPU's name ("" when it does not say)
    features: tuple  #: the features and OS register states it has (GCC's names)
    build: str  #: "dispatch" (every path compiled) or "native" (one CPU's)
    paths: tuple  #: the compiled paths, fastest first
    supported: tuple  #: the paths this CPU and OS can run
    path: str  #: the path in use
    forced: str  #: ENGINE_KERNELS, when it chose the path ("" otherwise)
    kernels: dict  #: kernel name -> the path it runs

    def __str__(self):
        how = f"forced by {ENV}={self.forced}" if self.forced else "the fastest this CPU supports"
        width = max(len(k) for k in self.kernels)
        lines = [
            f"cpu:        {self.model or 'unknown'} ({self.machine})",
            textwrap.fill(" ".join(self.features) or "-", 96, break_on_hyphens=False, **_INDENT),
            f"build:      {self.build} (paths: {' '.join(self.paths)})",
            f"supported:  {' '.join(self.supported)}",
            f"path:       {self.path} ({how})",
            "kernels:",
            *(f"  {k:<{width}}  {p}" for k, p in self.kernels.items()),
        ]
        return "\n".join(lines)


def cpu_info() -> CpuInfo:
    """The CPU's features and the kernel path every kernel uses.

    The path is chosen once, at import: the fastest compiled path whose CPU features (and OS
    register state, and for ``spr`` the OS's AMX permission) this machine has, unless the
    environment variable ``ENGINE_KERNELS`` names one.

    Returns
    -------
    CpuInfo
        ``str()`` of it is what ``engine info --cpu`` prints.

    Examples
    --------
    >>> import engine
    >>> info = engine.cpu_info()
    >>> info.path in info.supported and info.kernels["topk"] == info.path
    True
    >>> "path:" in str(info)
    True
    """
    names = sorted(n for n in dir(active) if not n.startswith("_") and callable(getattr(active, n)))
    return CpuInfo(
        machine=platform.machine(),
        model=_native.cpu_brand(),
        features=tuple(f for f, has in FEATURES.items() if has),
        build=_native.build,
        paths=PATHS,
        supported=supported_paths(),
        path=path,
        forced=_FORCED if path == _FORCED else "",
        kernels=dict.fromkeys(names, path),
    )
