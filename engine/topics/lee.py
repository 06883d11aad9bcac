"""A small LDA model of the Lee corpus (gensim's test data): the examples', demo's and tests' model.

Trained in a second or two: the 300 news articles of ``lee_background.cor``, tokenised by
``simple_preprocess`` without gensim's stop words, words in at least 3 and at most half of the
articles, 15 topics, 20 passes, a fixed seed.
"""

import functools

import numpy as np

__all__ = ["lee_lda"]


@functools.lru_cache(maxsize=4)
def lee_lda(num_topics=15, passes=20, seed=0, dtype=np.float32):
    """An LDA model of the Lee background corpus and its dictionary (cached per process).

    Parameters
    ----------
    num_topics : int
        Topics.
    passes : int
        Passes of training over the corpus.
    seed : int
        The model's ``random_state``.
    dtype : numpy dtype
        The model's dtype (gensim's default float32).

    Returns
    -------
    lda : gensim.models.LdaModel
        The model (shared by every caller with the same arguments: ``copy.deepcopy`` it before
        changing it; its ``random_state`` advances with each ``init="random"`` inference).
    dictionary : gensim.corpora.Dictionary

    Examples
    --------
    >>> lda, dictionary = lee_lda()
    >>> lda.num_topics, len(dictionary) == lda.num_terms
    (15, True)
    """
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel
    from gensim.parsing.preprocessing import STOPWORDS

    from ..datasets import lee_sentences

    docs = [[w for w in doc if w not in STOPWORDS] for doc in lee_sentences()]
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=3, no_above=0.5)
    corpus = [dictionary.doc2bow(d) for d in docs]
    lda = LdaModel(
        corpus, id2word=dictionary, num_topics=num_topics, passes=passes, random_state=seed, dtype=dtype
    )
    return lda, dictionary
