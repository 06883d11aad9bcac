r"""The E-step of many documents, and gensim's ``get_document_topics`` on its result.

gensim's ``LdaModel.inference`` starts each document's variational parameter :math:`\gamma`
from a draw of Gamma(100, 1/100) (the model's ``random_state``) and iterates (``csrc/lda.hpp``)

.. math::

    \gamma_k \leftarrow \alpha_k + e^{E[\log\theta_k]} \sum_j \frac{c_j\, e^{E[\log\beta_{k w_j}]}}
    {\sum_{k'} e^{E[\log\theta_{k'}]} e^{E[\log\beta_{k' w_j}]} + \epsilon},
    \qquad E[\log\theta_k] = \psi(\gamma_k) - \psi\Big(\sum_{k'}\gamma_{k'}\Big)

until the mean absolute change of :math:`\gamma` falls below ``gamma_threshold`` (or
``iterations`` rounds). ``get_document_topics`` reports :math:`\gamma / \sum_k \gamma_k` (summed in
index order, in the model's dtype) and keeps the topics whose share is at least
``max(minimum_probability, 1e-8)``, compared in the model's dtype as numpy compares. A document
without a known word gets :math:`\gamma = \alpha`: the prior's shares.
"""

import numpy as np

from .. import _kernels

__all__ = ["INITS", "distributions", "infer", "sparse_topics", "start_gamma", "threshold"]

INITS = ("random", "mean")


def start_gamma(n, num_topics, dtype, init, random_state):
    """Each document's start: gensim's draw, or every value 1 (the draw's mean).

    Parameters
    ----------
    n, num_topics : int
        The shape of the start.
    dtype : numpy dtype
        The model's.
    init : {"random", "mean"}
        ``"random"``: ``random_state.gamma(100, 1/100, (n, num_topics))``, as gensim draws it (so
        the stream advances as gensim's would); ``"mean"``: ones, the same for every document in
        every call.
    random_state : numpy.random.RandomState
        The stream of ``"random"``.

    Returns
    -------
    numpy.ndarray (n, num_topics) of ``dtype``

    Examples
    --------
    >>> start_gamma(1, 3, np.float32, "mean", None).tolist()
    [[1.0, 1.0, 1.0]]
    """
    if init == "mean":
        return np.ones((n, num_topics), dtype=dtype)
    return random_state.gamma(100.0, 1.0 / 100.0, (n, num_topics)).astype(dtype, copy=False)


def infer(arrays, bags, gamma):
    """The E-step of ``bags`` from the start ``gamma`` (``LdaModel.inference``).

    Parameters
    ----------
    arrays : LdaArrays
        The model.
    bags : Bags
        The documents.
    gamma : array_like (n, K)
        The start.

    Returns
    -------
    gamma : numpy.ndarray (n, K), the model's dtype
    rounds : numpy.ndarray, int32 (n,)
        The rounds each document took.

    Examples
    --------
    >>> from gensim.models import LdaModel
    >>> from gensim.test.utils import common_corpus, common_dictionary
    >>> from engine.topics.model import LdaArrays
    >>> from engine.topics.documents import Bags
    >>> lda = LdaModel(common_corpus, id2word=common_dictionary, num_topics=2, random_state=0)
    >>> g, r = infer(LdaArrays.from_gensim(lda), Bags.from_bows(common_corpus[:2], 12), np.ones((2, 2)))
    >>> g.shape, g.dtype
    ((2, 2), dtype('float32'))
    """
    return _kernels.lda_inference(
        arrays.word_topics,
        arrays.alpha,
        bags.indptr,
        bags.ids,
        bags.counts,
        gamma,
        arrays.iterations,
        arrays.gamma_threshold,
        finite=False,  # checked when the arrays were read
    )


def threshold(minimum_probability, dtype):
    """gensim's threshold ``max(minimum_probability, 1e-8)`` in the model's dtype.

    Parameters
    ----------
    minimum_probability : float
        The threshold asked for.
    dtype : numpy dtype
        The model's: numpy compares a float32 share with a Python float in float32.

    Returns
    -------
    numpy scalar of ``dtype``

    Examples
    --------
    >>> threshold(0.0, np.float32)
    np.float32(1e-08)
    """
    return np.dtype(dtype).type(max(float(minimum_probability), 1e-8))


def distributions(gamma, minimum_probability):
    """gensim's ``get_document_topics`` of each row of ``gamma``, dense.

    Parameters
    ----------
    gamma : numpy.ndarray (n, K)
        The E-step's result, in the model's dtype.
    minimum_probability : float
        Shares below ``max(minimum_probability, 1e-8)`` become 0 (gensim leaves them out of its
        list; the others are not renormalised).

    Returns
    -------
    numpy.ndarray, float64 (n, K)
        The shares (values of the model's dtype), 0 where gensim reports no topic.

    Examples
    --------
    >>> distributions(np.array([[1.0, 3.0], [2.0, 2.0]], np.float32), 0.3).tolist()
    [[0.0, 0.75], [0.5, 0.5]]
    """
    total = np.cumsum(gamma, axis=1, dtype=gamma.dtype)[:, -1:]  # in index order, as sum() adds
    shares = gamma / total
    shares[shares < threshold(minimum_probability, gamma.dtype)] = 0
    return shares.astype(np.float64)


def sparse_topics(dense):
    """Dense shares as gensim's lists of ``(topic, share)`` pairs (the topics kept, by id).

    Parameters
    ----------
    dense : numpy.ndarray (n, K)
        As `distributions` returns them.

    Returns
    -------
    list of list of (int, float)

    Examples
    --------
    >>> sparse_topics(np.array([[0.0, 0.75], [0.5, 0.5]]))
    [[(1, 0.75)], [(0, 0.5), (1, 0.5)]]
    """
    return [[(int(k), float(row[k])) for k in np.flatnonzero(row)] for row in dense]
