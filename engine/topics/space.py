"""``TopicSpace``: documents → topic distributions under a gensim LDA model, in batches, and the
distances, nearest documents and classifier features built on them."""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np

from .._params import Interval, Options, check
from ..errors import EngineError
from . import inference
from .documents import as_bags
from .features import TopicFeatures
from .knn import TopicIndex
from .measures import MEASURES, as_distributions, is_numeric, pairwise
from .model import LdaArrays, load_lda

if TYPE_CHECKING:
    from typing import Any, Callable

    from .._typing import PathLike
    from .documents import Bags

__all__ = ["TopicSpace"]


class TopicSpace:
    """Topic distributions of documents under a gensim ``LdaModel``, many at a time.

    ``transform`` is gensim's ``get_document_topics`` for a whole batch: the E-step of
    ``LdaModel.inference`` runs in C++ on every document at once (threads, GIL released), then
    the shares and ``minimum_probability`` are applied as gensim applies them
    (``engine.topics.inference`` has the math). Documents are texts, token lists or gensim bags
    of words (``engine.topics.documents``).

    Parameters
    ----------
    lda : gensim.models.LdaModel
        A trained model (``LdaMulticore`` too). ``TopicSpace.load`` opens a saved one.
    dictionary : gensim.corpora.Dictionary, optional
        Maps tokens to the model's word ids; default the model's ``id2word``. Needed for texts
        and token lists, not for bags of words.
    init : {"random", "mean"}
        Where each document's E-step starts. ``"random"`` (gensim's): a draw of
        Gamma(100, 1/100) from ``random_state``, so that ``transform(docs)`` equals
        ``[lda.get_document_topics(d) for d in docs]`` run from the same state. ``"mean"``: every
        value 1 (the draw's mean): each document's result depends on it alone, in any batch or
        order (the two starts give results within the E-step's tolerance of each other).
    random_state : None, int or numpy.random.RandomState
        The stream of ``init="random"``: None is the model's own ``random_state`` (advanced as
        gensim advances it); an int seeds a new one.
    tokenizer : callable, optional
        Text → tokens; default ``gensim.utils.simple_preprocess``.

    Attributes
    ----------
    lda : gensim.models.LdaModel
        As given.
    dictionary : gensim.corpora.Dictionary or None
        The dictionary in use.
    num_topics, num_terms : int
        The model's topics and vocabulary size.
    dtype : numpy.dtype
        The model's dtype, in which the E-step computes.
    minimum_probability : float
        The model's default threshold for reported topics.

    Raises
    ------
    EngineError
        If ``lda`` is not an LDA model, or the dictionary has words the model does not (ids
        past its vocabulary): the dictionary does not match the model.

    Examples
    --------
    >>> import engine
    >>> from gensim.models import LdaModel
    >>> from gensim.test.utils import common_corpus, common_dictionary
    >>> lda = LdaModel(common_corpus, id2word=common_dictionary, num_topics=2, random_state=0)
    >>> space = engine.TopicSpace(lda, init="mean")
    >>> space.transform(["human computer interaction", "graph of trees"]).shape
    (2, 2)
    >>> space.document_topics([[(0, 1.0), (1, 1.0)]])  # doctest: +ELLIPSIS
    [[(0, ...), (1, ...)]]
    """

    def __init__(
        self,
        lda: Any,
        dictionary: Any = None,
        *,
        init: str = "random",
        random_state: Any = None,
        tokenizer: Callable[[str], list[str]] | None = None,
    ) -> None:
        check("init", init, [Options(inference.INITS)], where="TopicSpace")
        check("tokenizer", tokenizer, [None, callable], where="TopicSpace")
        self.lda = lda
        self._arrays = arrays = LdaArrays.from_gensim(lda)
        self.num_topics, self.num_terms, self.dtype = arrays.num_topics, arrays.num_terms, arrays.dtype
        self.minimum_probability = arrays.minimum_probability
        self.dictionary = dictionary if dictionary is not None else getattr(lda, "id2word", None)
        self.init, self.tokenizer = init, tokenizer
        self.random_state = _random_state(lda, random_state)
        token2id = getattr(self.dictionary, "token2id", None)
        if self.dictionary is not None and token2id is None:
            raise EngineError(
                f"TopicSpace: the dictionary must be a gensim Dictionary, got {type(dictionary).__name__}"
            )
        top = max(token2id.values(), default=-1) if token2id else -1
        if top >= self.num_terms:
            raise EngineError(
                f"TopicSpace: the dictionary has word ids up to {top}, the model {self.num_terms} words: "
                "the dictionary does not match the model"
            )

    @classmethod
    def load(
        cls, path: PathLike, dictionary: Any = None, *, mmap: str | None = None, **kwargs: Any
    ) -> TopicSpace:
        """A ``TopicSpace`` over a model that ``LdaModel.save`` wrote.

        **Warning: the file is a Python pickle; loading it runs code from the file. Only load
        files you trust** (``engine.topics.load_lda``).

        Parameters
        ----------
        path : str or PathLike
            The saved model.
        dictionary : gensim.corpora.Dictionary, optional
            Default the model's ``id2word``.
        mmap : {None, "r"}, optional
            Map the model's large arrays instead of reading them.
        **kwargs
            ``init``, ``random_state``, ``tokenizer``, as for ``TopicSpace``.

        Returns
        -------
        TopicSpace

        Examples
        --------
        >>> import os, tempfile, engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> path = os.path.join(tempfile.mkdtemp(), "lda.model")
        >>> LdaModel(common_corpus, id2word=common_dictionary, num_topics=3).save(path)
        >>> engine.TopicSpace.load(path).num_topics
        3
        """
        return cls(load_lda(path, mmap=mmap), dictionary, **kwargs)

    def __repr__(self):
        return f"<engine.TopicSpace: {self.num_topics} topics, {self.num_terms} words, {self.dtype.name}>"

    def bags(self, documents: Any) -> Bags:
        """Documents as CSR bags of word ids and counts (``engine.topics.documents``).

        Parameters
        ----------
        documents : sequence of texts, token lists or bags of words, or a sparse matrix
            The documents.

        Returns
        -------
        engine.topics.documents.Bags

        Examples
        --------
        >>> import engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> space = engine.TopicSpace(LdaModel(common_corpus, id2word=common_dictionary, num_topics=2))
        >>> space.bags(["the human interface", "no known words"]).indptr.tolist()
        [0, 2, 2]
        """
        return as_bags(documents, self.dictionary, self.num_terms, self.tokenizer)

    def inference(
        self, documents: Any, gamma: np.ndarray | None = None, init: str | None = None
    ) -> np.ndarray:
        """gensim's ``LdaModel.inference``: each document's variational parameter gamma.

        Parameters
        ----------
        documents : sequence of documents, or Bags
            As for `bags`.
        gamma : array_like (n, K), optional
            The start of each document (to compare with gensim from the same start); default
            from ``init``.
        init : {"random", "mean"}, optional
            Default the space's ``init``.

        Returns
        -------
        numpy.ndarray (n, K), the model's dtype
            Unnormalised topic weights (gensim's first return value).

        Examples
        --------
        >>> import numpy as np, engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> lda = LdaModel(common_corpus, id2word=common_dictionary, num_topics=2, random_state=0)
        >>> gamma = engine.TopicSpace(lda).inference(common_corpus[:3], gamma=np.ones((3, 2)))
        >>> gamma.shape, gamma.dtype
        ((3, 2), dtype('float32'))
        """
        bags = self.bags(documents)
        if gamma is None:
            check("init", init, [None, Options(inference.INITS)], where="TopicSpace.inference")
            gamma = inference.start_gamma(
                len(bags), self.num_topics, self.dtype, init or self.init, self.random_state
            )
        return inference.infer(self._arrays, bags, gamma)[0]

    def transform(
        self, documents: Any, minimum_probability: float | None = None, init: str | None = None
    ) -> np.ndarray:
        """Topic distributions of documents, dense: gensim's ``get_document_topics`` of each.

        Parameters
        ----------
        documents : sequence of documents, or Bags
            As for `bags`.
        minimum_probability : float, optional
            Shares below ``max(minimum_probability, 1e-8)`` become 0, as gensim leaves them out
            (not renormalised); default the model's ``minimum_probability``.
        init : {"random", "mean"}, optional
            Default the space's ``init``.

        Returns
        -------
        numpy.ndarray, float64 (n, K)
            The shares (values of the model's dtype). A document without a known word gets the
            prior's shares ``alpha / sum(alpha)``, as in gensim.

        Examples
        --------
        >>> import engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> space = engine.TopicSpace(LdaModel(common_corpus, id2word=common_dictionary, num_topics=2))
        >>> space.transform(["zzz unknown words"]).tolist()  # the prior: alpha = 1/2 each
        [[0.5, 0.5]]
        """
        mp = self.minimum_probability if minimum_probability is None else minimum_probability
        check("minimum_probability", mp, [Interval(Real, 0, 1)], where="TopicSpace")
        return inference.distributions(self.inference(documents, init=init), mp)

    def document_topics(
        self, documents: Any, minimum_probability: float | None = None, init: str | None = None
    ) -> list[list[tuple[int, float]]]:
        """gensim's ``get_document_topics`` of each document: lists of ``(topic, share)``.

        Parameters
        ----------
        documents, minimum_probability, init
            As for `transform`.

        Returns
        -------
        list of list of (int, float)
            Per document, the topics kept, by topic id.

        Examples
        --------
        >>> import engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> space = engine.TopicSpace(LdaModel(common_corpus, id2word=common_dictionary, num_topics=2))
        >>> space.document_topics(["qqq"])
        [[(0, 0.5), (1, 0.5)]]
        """
        return inference.sparse_topics(self.transform(documents, minimum_probability, init))

    def _distributions(self, x, name, minimum_probability):
        if is_numeric(x):
            return as_distributions(x, name, self.num_topics)[0]
        return self.transform(x, minimum_probability)

    def distances(
        self, a: Any, b: Any = None, measure: str = "hellinger", minimum_probability: float | None = None
    ) -> np.ndarray:
        """Pairwise distances between documents (or topic distributions) of ``a`` and ``b``.

        Parameters
        ----------
        a, b : documents, or array_like (n, K) of distributions
            ``b`` defaults to ``a``. Documents go through `transform`.
        measure : {"hellinger", "jensen_shannon", "symmetric_kl", "cosine"}
            ``engine.topics.measures`` has each formula (gensim's ``matutils``).
        minimum_probability : float, optional
            For documents, as in `transform`.

        Returns
        -------
        numpy.ndarray, float64 (len(a), len(b))

        Examples
        --------
        >>> import engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> space = engine.TopicSpace(LdaModel(common_corpus, id2word=common_dictionary, num_topics=2))
        >>> space.distances(["human computer", "graph trees"]).shape
        (2, 2)
        """
        check("measure", measure, [Options(MEASURES)], where="TopicSpace.distances")
        p = self._distributions(a, "a", minimum_probability)
        q = p if b is None else self._distributions(b, "b", minimum_probability)
        return pairwise(p, q, measure)

    def index(
        self,
        corpus: Any,
        measure: str = "hellinger",
        num_best: int | None = None,
        minimum_probability: float | None = None,
    ) -> TopicIndex:
        """A corpus prepared for repeated nearest-document queries (``TopicIndex``).

        Parameters
        ----------
        corpus : documents, or array_like (n, K) of distributions
            The documents searched.
        measure : {"hellinger", "jensen_shannon", "symmetric_kl", "cosine"}
            The distance of ``knn``.
        num_best : int, optional
            For ``index[query]``, as gensim's ``MatrixSimilarity(num_best=...)``.
        minimum_probability : float, optional
            For the corpus and the queries given as documents, as in `transform`.

        Returns
        -------
        TopicIndex

        Examples
        --------
        >>> import engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary, common_texts
        >>> lda = LdaModel(common_corpus, id2word=common_dictionary, num_topics=2, random_state=0)
        >>> index = engine.TopicSpace(lda).index(common_texts)
        >>> index.knn(common_texts[:1], k=1).indices.tolist()
        [[0]]
        """
        dists = self._distributions(corpus, "corpus", minimum_probability)
        return TopicIndex(dists, measure, num_best, space=self, minimum_probability=minimum_probability)

    def features(self, measure: str = "hellinger") -> TopicFeatures:
        """An encoder of texts into topic features, for ``engine.classify`` (``encoder=``).

        Parameters
        ----------
        measure : {"hellinger", "cosine"}
            ``"hellinger"``: the square roots of the distributions, whose cosine is the
            Bhattacharyya coefficient :math:`1 - H^2`; ``"cosine"``: the distributions.

        Returns
        -------
        TopicFeatures

        Examples
        --------
        >>> import engine
        >>> from gensim.models import LdaModel
        >>> from gensim.test.utils import common_corpus, common_dictionary
        >>> space = engine.TopicSpace(LdaModel(common_corpus, id2word=common_dictionary, num_topics=2))
        >>> space.features().encode(["human computer", "zzz"]).shape
        (2, 2)
        """
        return TopicFeatures(self, measure)


def _random_state(lda, random_state):
    check(
        "random_state",
        random_state,
        [None, Interval(Integral, 0, None), np.random.RandomState],
        where="TopicSpace",
    )
    if random_state is None:
        rs = getattr(lda, "random_state", None)
        return rs if isinstance(rs, np.random.RandomState) else np.random.RandomState()
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)
