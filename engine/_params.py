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

from ._docstrings import fill_doc
from .errors import EngineError

__all__ = ["Interval", "Options", "check", "check_params", "is_int", "validate_params"]


def is_int(x):
    """Tell whether ``x`` is an integer and not a bool.

    Python counts ``True`` and ``False`` as ints; a parameter that wants a count never does.

    Parameters
    ----------
    x : object
        Any value.

    Returns
    -------
    bool
        True for an ``int`` or a NumPy integer, False for a bool and everything else.

    Examples
    --------
    >>> import numpy as np
    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return isinstance(x, Integral) and not isinstance(x, bool)


def _is_real(x):
    return isinstance(x, Real) and not isinstance(x, bool)


@fill_doc
class Interval:
    """A constraint: numbers of one kind within a range.

    Bools are never accepted, NaN never; an infinite value only on a side left unbounded.

    Parameters
    ----------
    kind : {numbers.Integral, numbers.Real}
        ``Integral`` accepts ints and NumPy integers; ``Real`` accepts ints and floats.
    left, right : int, float or None
        The ends of the range; None leaves that side unbounded.
    closed : {"both", "left", "right", "neither"}, default "both"
        Which ends belong to the range.

    See Also
    --------
    Options : A constraint for a fixed set of values.
    check : Check one value against constraints.

    Examples
    --------
    >>> from numbers import Integral, Real
    >>> Interval(Integral, 1, None).accepts(5), Interval(Integral, 1, None).accepts(0)
    (True, False)
    >>> str(Interval(Real, 0, 1, closed="right"))
    'a number in (0, 1]'
    """

    def __init__(self, kind, left, right, closed="both"):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def accepts(self, x):
        """Tell whether ``x`` meets the constraint: a finite number of the interval's kind within it.

        A bool is never a number here.

        %(parameters_returns_accepts)s

        Examples
        --------
        >>> from numbers import Integral
        >>> Interval(Integral, 0, 10, closed="left").accepts(10)
        False
        """
        if not (is_int(x) if self.kind is Integral else _is_real(x)) or not math.isfinite(x):
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


@fill_doc
class Options:
    """A constraint: one of a fixed set of values (usually strings).

    Parameters
    ----------
    values : iterable of str, int, float or None
        The values accepted.

    See Also
    --------
    Interval : A constraint for a range of numbers.

    Examples
    --------
    >>> Options({"emd"}).accepts("emd"), Options({"emd"}).accepts("EMD")
    (True, False)
    """

    def __init__(self, values):
        self.values = tuple(values)

    def accepts(self, x):
        """Tell whether ``x`` is one of the values.

        Only a str, int, float or None is compared with them.

        %(parameters_returns_accepts)s

        Examples
        --------
        >>> Options(["mean", "sif"]).accepts("sif")
        True
        """
        return isinstance(x, (str, int, float, type(None))) and x in self.values

    def __str__(self):
        return "one of " + ", ".join(repr(v) for v in self.values)


def _meaning(constraint):
    """``(test, description)``: what a constraint accepts, and how a message names it."""
    if constraint is None:
        return (lambda x: x is None), "None"
    if constraint is callable:
        return callable, "a callable"
    if constraint is Integral:
        return is_int, "an int"
    if constraint is Real:
        return _is_real, "a number"
    if isinstance(constraint, type):
        return (lambda x: isinstance(x, constraint)), f"a {constraint.__name__}"
    return constraint.accepts, str(constraint)


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check(name, value, constraints, where=None, error=EngineError):
    """Return ``value`` if it meets one of ``constraints``; raise ``error`` naming it otherwise.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        The value given.
    constraints : list
        What the parameter accepts; the value must meet at least one. Each is ``None`` (the
        value None), ``callable`` (any callable), ``numbers.Integral`` (an int, never a bool),
        ``numbers.Real`` (a number, never a bool), another type (an instance of it), an
        ``Interval`` or an ``Options``.
    where : str, optional
        The call that checks, put in front of the message.
    error : type, default EngineError
        The exception class raised.

    Returns
    -------
    object
        ``value`` itself, unchanged.

    Raises
    ------
    EngineError
        (or ``error``) If ``value`` meets none of ``constraints``. The message names ``where``,
        ``name``, what is accepted and what was given.

    See Also
    --------
    validate_params : The same checks declared on a function.
    check_params : The same checks for an estimator's ``_parameter_constraints``.

    Examples
    --------
    >>> from numbers import Integral
    >>> check("topn", None, [Interval(Integral, 0, None), None])
    >>> check("method", "ot", [Options(["emd", "sinkhorn"])], where="WMD")
    Traceback (most recent call last):
    ...
    engine.errors.EngineError: WMD: method must be one of 'emd', 'sinkhorn', got 'ot'
    """
    meanings = [_meaning(c) for c in constraints]
    if any(accepts(value) for accepts, _ in meanings):
        return value
    accepted = " or ".join(text for _, text in meanings)
    prefix = f"{where}: " if where else ""
    raise error(f"{prefix}{name} must be {accepted}, got {_shown(value)}")


def check_params(obj, where=None):
    """Check every parameter an object's class declares in ``_parameter_constraints``.

    ``_parameter_constraints`` maps each parameter name to its list of constraints (as
    ``check`` takes them); the value checked is the object's attribute of that name.

    Parameters
    ----------
    obj : object
        An instance (usually an estimator, after ``__init__`` stored its parameters).
    where : str, optional
        The name put in front of a message; the class name by default.

    Raises
    ------
    EngineError
        For the first parameter that meets none of its constraints.

    See Also
    --------
    check : The check of one value.
    validate_params : The same checks declared on a function.

    Examples
    --------
    >>> from numbers import Integral
    >>> class Knn:
    ...     _parameter_constraints = {"k": [Interval(Integral, 1, None)]}
    ...     def __init__(self, k=10):
    ...         self.k = k
    >>> check_params(Knn(k=0))
    Traceback (most recent call last):
    ...
    engine.errors.EngineError: Knn: k must be an int in [1, inf), got 0
    """
    where = where or type(obj).__name__
    for name, constraints in type(obj)._parameter_constraints.items():
        check(name, getattr(obj, name), constraints, where)


def validate_params(error=EngineError, **constraints):
    """Decorate a function so the named parameters are checked on every call.

    Parameters
    ----------
    error : type, default EngineError
        The exception class raised for a value outside its constraints.
    **constraints : list
        For each checked parameter, its list of constraints (as ``check`` takes them).
        Parameters not named are not checked.

    Returns
    -------
    callable
        A decorator; the function it returns checks the arguments given (defaults are not
        checked), with the function's qualified name in the message, then calls the original.

    Raises
    ------
    TypeError
        At decoration time, if a name in ``constraints`` is not a parameter of the function.

    See Also
    --------
    check : The check of one value.
    check_params : The same checks for an estimator's ``_parameter_constraints``.

    Examples
    --------
    >>> from numbers import Integral
    >>> @validate_params(k=[Interval(Integral, 1, None)])
    ... def top(k=10):
    ...     return k
    >>> top(k=3)
    3
    >>> top(k=0)
    Traceback (most recent call last):
    ...
    engine.errors.EngineError: top: k must be an int in [1, inf), got 0
    """

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
