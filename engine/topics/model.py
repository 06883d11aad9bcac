"""A gensim LDA model as the arrays the E-step reads, and the one door to a saved model (a pickle).

``LdaArrays.from_gensim(lda)`` reads what gensim's ``LdaModel.inference`` reads: the topics'
``expElogbeta`` (kept word-major, one row of K topics per word), the prior ``alpha``, the dtype,
``iterations``, ``gamma_threshold`` and ``minimum_probability``. ``load_lda`` unpickles a model
that ``LdaModel.save`` wrote: **loading a pickle runs code from the file**, so it is only done on
request, as ``engine.io.load_gensim`` does for vectors.
"""

import os
from dataclasses import dataclass, field

import numpy as np

from .. import _kernels
from ..errors import EngineError, FormatError, ShapeError

__all__ = ["LdaArrays", "load_lda"]


@dataclass(frozen=True)
class LdaArrays:
    """What the E-step needs of an LDA model, checked once.

    Parameters
    ----------
    word_topics : numpy.ndarray (V, K), float32 or float64
        ``exp(E[log beta])`` transposed: row ``w`` holds word ``w``'s weight in each topic.
    alpha : numpy.ndarray (K,)
        The document-topic Dirichlet prior, in the same dtype.
    iterations : int
        At most this many E-step rounds per document.
    gamma_threshold : float
        A document's rounds stop when its gamma changes by less than this (mean absolute).
    minimum_probability : float
        The model's default threshold for reported topics.

    Attributes
    ----------
    num_topics, num_terms : int
        K and V.
    dtype : numpy.dtype
        The dtype of every computation (gensim's ``LdaModel.dtype``).

    Examples
    --------
    >>> from gensim.models import LdaModel
    >>> from gensim.test.utils import common_corpus, common_dictionary
    >>> lda = LdaModel(common_corpus, id2word=common_dictionary, num_topics=2, random_state=0)
    >>> arrays = LdaArrays.from_gensim(lda)
    >>> arrays.num_topics, arrays.num_terms, arrays.dtype
    (2, 12, dtype('float32'))
    """

    word_topics: np.ndarray
    alpha: np.ndarray
    iterations: int
    gamma_threshold: float
    minimum_probability: float

    num_topics: int = field(init=False)
    num_terms: int = field(init=False)
    dtype: np.dtype = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "num_topics", self.word_topics.shape[1])
        object.__setattr__(self, "num_terms", self.word_topics.shape[0])
        object.__setattr__(self, "dtype", self.word_topics.dtype)

    @classmethod
    def from_gensim(cls, lda):
        """The arrays of a gensim ``LdaModel`` or ``LdaMulticore``.

        Parameters
        ----------
        lda : gensim.models.LdaModel
            A trained model (``LdaMulticore`` is one too).

        Returns
        -------
        LdaArrays
            Copies: training the model further does not change them.

        Raises
        ------
        EngineError
            If ``lda`` is not a gensim LDA model, or its arrays are inconsistent (NaN, a prior
            of the wrong length, a non-positive prior).

        Examples
        --------
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> lda = LdaModel(common_corpus, id2word=common_dictionary, num_topics=3, random_state=0)
        >>> LdaArrays.from_gensim(lda).word_topics.shape
        (12, 3)
        """
        missing = [
            a for a in ("expElogbeta", "alpha", "iterations", "gamma_threshold") if not hasattr(lda, a)
        ]
        if missing:
            raise EngineError(
                f"expected a gensim LdaModel or LdaMulticore, got a {type(lda).__name__} "
                f"(it has no {', '.join(missing)})"
            )
        beta = np.asarray(lda.expElogbeta)
        if beta.ndim != 2 or beta.dtype not in (np.float32, np.float64):
            raise EngineError(
                f"the model's topics: expected a float32/float64 matrix, got {beta.dtype} {beta.shape}"
            )
        try:
            word_topics = _kernels.as_matrix(beta.T, "the model's topics (expElogbeta)", dtype=beta.dtype)
        except ShapeError as e:
            raise EngineError(str(e)) from None
        alpha = np.ascontiguousarray(lda.alpha, dtype=beta.dtype)
        if alpha.shape != (beta.shape[0],) or not (np.isfinite(alpha).all() and (alpha > 0).all()):
            raise EngineError(
                f"the model's alpha: expected {beta.shape[0]} positive values, got {alpha!r:.80}"
            )
        return cls(
            np.array(word_topics, copy=True),
            alpha,
            int(lda.iterations),
            float(lda.gamma_threshold),
            float(getattr(lda, "minimum_probability", 0.01)),
        )


def load_lda(path, mmap=None):
    """Load a gensim LDA model that ``LdaModel.save`` wrote.

    **Warning: the file is a Python pickle. Loading it runs code from the file; only load files
    you trust.** (As ``engine.io.load_gensim`` for gensim's vectors files.)

    Parameters
    ----------
    path : str or PathLike
        The file ``save`` wrote (its ``.state`` and array files beside it).
    mmap : {None, "r"}, optional
        Passed to gensim's ``load``: map the large arrays instead of reading them.

    Returns
    -------
    gensim.models.LdaModel
        The model (an ``LdaMulticore`` loads as what it was saved as).

    Raises
    ------
    FormatError
        If the file is missing or gensim cannot load it.
    EngineError
        If it holds something other than an LDA model.

    See Also
    --------
    engine.TopicSpace.load : The same, straight into a ``TopicSpace``.

    Examples
    --------
    >>> import os, tempfile
    >>> from gensim.models import LdaModel
    >>> from gensim.test.utils import common_corpus, common_dictionary
    >>> lda = LdaModel(common_corpus, id2word=common_dictionary, num_topics=2, random_state=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "lda.model")
    >>> lda.save(path)
    >>> load_lda(path).num_topics
    2
    """
    from gensim.models import LdaModel

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FormatError(f"{path}: no such file")
    try:  # LdaModel.load unpickles whatever the file holds, then reads the model's state beside it
        obj = LdaModel.load(path, mmap=mmap)
    except Exception as e:  # an unpickling failure can raise nearly anything
        raise FormatError(f"{path}: not a loadable gensim LDA file ({type(e).__name__}: {e})") from None
    if not isinstance(obj, LdaModel):
        raise EngineError(f"{path}: holds a {type(obj).__name__}, not a gensim LDA model")
    return obj
