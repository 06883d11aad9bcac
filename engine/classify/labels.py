"""Label specifications: the one reader of labels, for the library and both commands.

A specification is a list of names (each its own description, ``_`` read as a space) or a
dict ``name → description``, a description being a text (``"sport football team"``) or a
list of words (``["sport", "football"]``). In a file it is the same as JSON. ``engine
classify``, ``engine score zeroshot``, ``ZeroShotClassifier`` and ``FewShotClassifier`` all read
labels with these two functions.

>>> label_spec(["ice_cream", "tea"])
{'ice_cream': 'ice cream', 'tea': 'tea'}
>>> label_spec({"sport": ["goal", "team"], "food": "meal"})
{'sport': ['goal', 'team'], 'food': 'meal'}
"""

import json

import numpy as np

from ..errors import EngineError, FormatError

__all__ = ["column_order", "label_spec", "load_labels_file"]


def label_spec(labels):
    """``{name: description text or word list}`` from a list of names or a dict.

    Parameters
    ----------
    labels : list of names, or dict name → str or iterable of words

    Returns
    -------
    dict
        In the given order; a name alone becomes its own description with ``_`` read as a space.

    Examples
    --------
    >>> label_spec({"car": ("road", "wheel")})
    {'car': ['road', 'wheel']}
    """
    if isinstance(labels, str) or labels is None:
        raise EngineError("labels: give a list of names or a dict name → description / word list")
    if isinstance(labels, dict):
        spec = {name: _description(name, desc) for name, desc in labels.items()}
    else:
        names = list(labels)
        if len(set(names)) != len(names):
            raise EngineError(f"labels: duplicate name in {names}")
        spec = {n: str(n).replace("_", " ") for n in names}
    if not spec:
        raise EngineError("labels: at least one label is needed")
    return spec


def _description(name, desc):
    if isinstance(desc, str):
        return desc
    try:
        return [str(w) for w in desc]
    except TypeError:
        raise EngineError(f"label {name!r}: a description must be a string or a list of words") from None


def load_labels_file(path):
    """Labels from a JSON file: ``{"name": "description" or ["words"]}`` or ``["names"]``.

    Parameters
    ----------
    path : str
        The JSON file.

    Returns
    -------
    dict or list
        The labels as written, for :func:`label_spec` (FormatError naming the file otherwise).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "labels.json")
    >>> _ = open(p, "w").write('{"sport": ["goal", "team"], "food": "food meal"}')
    >>> load_labels_file(p)
    {'sport': ['goal', 'team'], 'food': 'food meal'}
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        labels = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise FormatError(f"{path}: not valid UTF-8 (byte {e.start + 1})") from None
    except json.JSONDecodeError as e:
        raise FormatError(f"{path}: line {e.lineno}: not valid JSON ({e.msg})") from None
    if not labels or not (_is_words(labels) or _is_descriptions(labels)):
        raise FormatError(
            f"{path}: expected a JSON object name → description (or word list), or a list of names"
        )
    return labels


def _is_words(x):
    return isinstance(x, list) and all(isinstance(w, str) for w in x)


def _is_descriptions(x):
    return isinstance(x, dict) and all(isinstance(d, str) or _is_words(d) for d in x.values())


def column_order(classes, names):
    """Indices that put columns in ``classes`` order into the order of ``names``.

    The classifiers order their columns as ``classes_`` (sorted); the commands write them in
    the order of the labels file.

    >>> column_order(np.array(["food", "sport"]), ["sport", "food"]).tolist()
    [1, 0]
    """
    where = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    return np.array([where[n] for n in names], dtype=np.intp)


def expand_with_neighbors(spec, vectors, n, lowercase=True):
    """Each label's description followed by the ``n`` nearest words of its known words' mean.

    A label named by one word ("sport") is a thin target for a document vector; its nearest words
    in the vectors ("sports", "football", "athletics" ...) describe the same topic in more of the
    words texts use. The neighbours are ``vectors.most_similar(known words, topn=n)`` (the input
    words excluded, as gensim does), appended to the description; a label with no known word is
    left as it is (the embedder then names it).

    Parameters
    ----------
    spec : dict
        ``{name: description text or word list}`` (``label_spec``'s output).
    vectors : engine.Vectors
        The vectors whose neighbours are taken.
    n : int
        Neighbours added per label (0: none).
    lowercase : bool
        Lowercase the description's tokens before looking them up.

    Returns
    -------
    dict
        ``{name: expanded description}`` (a string, or a word list for a word-list label).

    Examples
    --------
    >>> import engine
    >>> out = expand_with_neighbors({"fruit": "fruit"}, engine.datasets.default_vectors(), 3)
    >>> len(out["fruit"].split())
    4
    """
    from .._text import tokenize

    if n <= 0:
        return dict(spec)
    out = {}
    for name, desc in spec.items():
        words = tokenize(desc, lowercase) if isinstance(desc, str) else list(desc)
        known = [w for w in words if w in vectors.key_to_index]
        if not known:
            out[name] = desc
            continue
        extra = [w for w, _ in vectors.most_similar(positive=known, topn=n)]
        out[name] = desc + " " + " ".join(extra) if isinstance(desc, str) else list(desc) + extra
    return out
