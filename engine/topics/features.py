r"""Topic features for ``engine.classify``: an encoder (``encode(texts)``) over a ``TopicSpace``.

The classifiers compare unit document vectors by cosine. With ``measure="hellinger"`` the
features are :math:`\sqrt{p}` (the full distribution, ``minimum_probability=0``), whose cosine
between two documents is the Bhattacharyya coefficient :math:`\sum_k \sqrt{p_k q_k} = 1 - H^2`:
a few-shot prototype or a zero-shot label (its description is a short document) is then nearest
by Hellinger distance. With ``"cosine"`` the features are :math:`p` itself.

Two choices make the features fit the classifiers' contract: every document's E-step starts from
the same point (``init="mean"``), so a text always gets the same features (``predict`` has no
side effect); and a document without a word in the dictionary gets zero features (the
classifiers then report it unknown) instead of gensim's answer, the prior.
"""

import numpy as np

from .._params import Options, check

__all__ = ["TopicFeatures"]


class TopicFeatures:
    """Texts → topic features, as ``engine.classify`` takes an ``encoder``.

    Parameters
    ----------
    space : TopicSpace
        The model and dictionary.
    measure : {"hellinger", "cosine"}
        ``"hellinger"``: square roots of the distributions; ``"cosine"``: the distributions.

    Attributes
    ----------
    space : TopicSpace
    measure : str

    Examples
    --------
    >>> import engine, engine.topics
    >>> lda, dictionary = engine.topics.lee_lda()
    >>> features = engine.TopicSpace(lda, dictionary).features()
    >>> clf = engine.FewShotClassifier(encoder=features).fit(
    ...     ["the cricket match was won by australia", "the bank raised interest rates"], ["sport", "money"])
    >>> clf.predict(["the test series against india"]).tolist()
    ['sport']
    """

    def __init__(self, space, measure="hellinger"):
        check("measure", measure, [Options(("hellinger", "cosine"))], where="TopicFeatures")
        self.space, self.measure = space, measure

    def __repr__(self):
        return f"<engine.TopicFeatures: {self.space.num_topics} topics, {self.measure}>"

    def encode(self, texts):
        """The features of each text.

        Parameters
        ----------
        texts : sequence of str or token lists
            The documents.

        Returns
        -------
        numpy.ndarray, float64 (n, K)
            Zero rows for documents without a known word.

        Examples
        --------
        >>> import engine, engine.topics
        >>> lda, dictionary = engine.topics.lee_lda()
        >>> X = engine.TopicSpace(lda, dictionary).features().encode(["cricket", "zzz"])
        >>> X.shape, float((X[0] ** 2).sum().round(6)), X[1].any()
        ((2, 15), 1.0, np.False_)
        """
        bags = self.space.bags(list(texts))
        p = self.space.transform(bags, minimum_probability=0.0, init="mean")
        p[bags.empty] = 0.0
        return np.sqrt(p) if self.measure == "hellinger" else p
