"""Parameter checks, declared once (as scikit-learn's ``_parameter_constraints``).

A constraint is a type (``Integral`` and ``Real`` never accept a bool), ``None``, an
``Interval``, an ``Options`` set or ``callable``. A call declares what each parameter accepts::

    @validate_params(k=[Interval(Integral, 1, None)], method=[Options({"emd", "sinkhorn"})])
    def knn(queries, k=10, method="emd"): ...

and a class lists them in ``_parameter_constraints`` and calls ``check_params(self)``. A value
outside every constraint raises the declared error (``EngineError`` by default) with a message
that names the call, the parameter, what it accepts and what it got.

>>> from numbers import Integral
>>> check("k", 3, [Interval(Integral, 1, None)])
3
>>> check("k", True, [Interval(Integral, 1, None)], where="search")
Traceback (most recent call last):
...
engine.errors.EngineError: search: k must be an int in [1, inf), got True
"""

import functools
import inspect
import math
from numbers import Integral, Real

from .errors import EngineError

__all__ = ["Interval", "Options", "check", "check_params", "is_int", "validate_params"]


def is_int(x):
    """True for an int or numpy integer, False for a bool (which Python counts as an int)."""
    return isinstance(x, Integral) and not isinstance(x, bool)


def _is_real(x):
    return isinstance(x, Real) and not isinstance(x, bool)


class Interval:
    """Numbers of ``kind`` (``Integral`` or ``Real``) between ``left`` and ``right`` (None: open).

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``. Reals must be finite
    unless an end is None on that side.
    """

    def __init__(self, kind, left, right, closed="both"):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def accepts(self, x):
        if not (is_int(x) if self.kind is Integral else _is_real(x)) or math.isnan(x):
            return False
        lo_ok = self.left is None or (x >= self.left if self.closed in ("both", "left") else x > self.left)
        hi_ok = self.right is None or (
            x <= self.right if self.closed in ("both", "right") else x < self.right
        )
        return lo_ok and hi_ok

    def __str__(self):
        what = "an int" if self.kind is Integral else "a number"
        lo = "-inf" if self.left is None else self.left
        hi = "inf" if self.right is None else self.right
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{what} in {lb}{lo}, {hi}{rb}"


class Options:
    """One of a fixed set of values (usually strings)."""

    def __init__(self, values):
        self.values = tuple(values)

    def accepts(self, x):
        return isinstance(x, (str, int, float, type(None))) and x in self.values

    def __str__(self):
        return "one of " + ", ".join(repr(v) for v in self.values)


def _accepts(constraint, x):
    if constraint is None:
        return x is None
    if constraint is callable:
        return callable(x)
    if constraint is Integral:
        return is_int(x)
    if constraint is Real:
        return _is_real(x)
    if isinstance(constraint, type):
        return isinstance(x, constraint)
    return constraint.accepts(x)


def _describe(constraint):
    if constraint is None:
        return "None"
    if constraint is callable:
        return "a callable"
    if constraint is Integral:
        return "an int"
    if constraint is Real:
        return "a number"
    if isinstance(constraint, type):
        return f"a {constraint.__name__}"
    return str(constraint)


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check(name, value, constraints, where=None, error=EngineError):
    """Return ``value`` if it meets one of ``constraints``; raise ``error`` naming it otherwise."""
    if any(_accepts(c, value) for c in constraints):
        return value
    accepted = " or ".join(_describe(c) for c in constraints)
    prefix = f"{where}: " if where else ""
    raise error(f"{prefix}{name} must be {accepted}, got {_shown(value)}")


def check_params(obj, where=None):
    """Check every parameter an estimator declares in ``_parameter_constraints``."""
    where = where or type(obj).__name__
    for name, constraints in type(obj)._parameter_constraints.items():
        check(name, getattr(obj, name), constraints, where)


def validate_params(error=EngineError, **constraints):
    """Decorate a function so the named parameters are checked on every call."""

    def decorate(func):
        signature = inspect.signature(func)
        unknown = set(constraints) - set(signature.parameters)
        if unknown:
            raise TypeError(f"validate_params: {func.__qualname__} has no parameter {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            where = func.__qualname__
            for name, value in bound.arguments.items():
                if name in constraints:
                    check(name, value, constraints[name], where, error)
            return func(*args, **kwargs)

        return wrapper

    return decorate
