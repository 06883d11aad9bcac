"""What the topic-space tests share: random gensim LDA models, a fixed start for gensim's
inference, random bags of words and distributions, and gensim's distances between them."""

import numpy as np
from gensim import matutils
from gensim.corpora import Dictionary
from gensim.models import LdaModel


class FixedStart:
    """Stands in for an LdaModel's random_state: its ``gamma`` draw is the given start, so that
    gensim's inference and engine's start from the same gamma."""

    def __init__(self, gamma):
        self.start = np.asarray(gamma)

    def gamma(self, shape, scale, size):
        assert size == self.start.shape
        return self.start.copy()


def random_lda(seed, num_topics, num_terms, dtype=np.float64, concentration=0.1):
    """An untrained LdaModel whose topics are random peaked distributions and whose prior is random."""
    rng = np.random.default_rng(seed)
    dictionary = Dictionary([[f"w{i}" for i in range(num_terms)]])
    lda = LdaModel(id2word=dictionary, num_topics=num_topics, random_state=seed, dtype=dtype)
    lda.state.sstats = rng.gamma(concentration, 20.0, (num_topics, num_terms)).astype(dtype)
    lda.sync_state()
    lda.alpha = rng.uniform(0.01, 1.0, num_topics).astype(dtype)
    return lda, dictionary


def random_bows(seed, n, num_terms, max_len=30, empty_every=7):
    """Random bags of words (every ``empty_every``-th empty), ids ascending, counts 1-4."""
    rng = np.random.default_rng(seed)
    bows = []
    for i in range(n):
        if empty_every and i % empty_every == 0:
            bows.append([])
            continue
        ids = np.unique(rng.integers(0, num_terms, rng.integers(1, max_len + 1)))
        bows.append([(int(w), float(rng.integers(1, 5))) for w in ids])
    return bows


def gensim_inference(lda, bows, start):
    """gensim's LdaModel.inference of ``bows`` from ``start`` (the model's random state restored)."""
    saved = lda.random_state
    lda.random_state = FixedStart(start)
    try:
        return lda.inference(bows)[0]
    finally:
        lda.random_state = saved


def random_distributions(seed, n, num_topics, zeros=0.3):
    """Random rows of shares summing to 1, then a fraction set to 0 (as minimum_probability does)."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(num_topics, 0.3), n)
    p[rng.random(p.shape) < zeros] = 0.0
    empty = p.sum(axis=1) == 0
    p[empty, 0] = 1.0
    return p


def gensim_distance(measure, p, q):
    """The measure as gensim.matutils computes it, on dense float64 rows."""
    if measure == "hellinger":
        return float(matutils.hellinger(p, q))
    if measure == "jensen_shannon":
        return float(matutils.jensen_shannon(p, q))
    if measure == "symmetric_kl":
        return float(matutils.kullback_leibler(p, q) + matutils.kullback_leibler(q, p))
    # eps=0: the same inputs (full2sparse's default drops shares below 1e-9, which a
    # Dirichlet draw makes, and which change a small cosine in its 8th digit)
    return 1.0 - matutils.cossim(matutils.full2sparse(p, eps=0), matutils.full2sparse(q, eps=0))


RTOL, ATOL = 1e-9, 1e-12  # relative, with an absolute floor for values at the rounding level of 0


def assert_close(got, ref):
    """Distances equal gensim's: the same infinities, the finite ones to RTOL (ATOL near 0)."""
    ref = np.asarray(ref, dtype=np.float64)
    inf = np.isinf(ref)
    assert np.array_equal(np.isinf(got), inf)
    np.testing.assert_allclose(got[~inf], ref[~inf], rtol=RTOL, atol=ATOL)
