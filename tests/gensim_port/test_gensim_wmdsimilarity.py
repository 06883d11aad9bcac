"""gensim 4.4's ``TestWmdSimilarity`` (``gensim/test/test_similarities.py``) with an ``engine.Vectors``.

gensim's ``WmdSimilarity`` takes any keyed vectors and loops their ``wmdistance``; ported from the
installed gensim 4.4.0, each test hands it ``engine.Vectors.from_gensim`` of the same Word2Vec
(the original's ``self.w2v_model``), so the distances are engine's. The assertions are gensim's;
``test_same_as_gensim`` (engine's addition) compares every similarity with gensim's own
``KeyedVectors``. The rest of ``test_similarities.py`` (MatrixSimilarity, SparseMatrixSimilarity,
the term-similarity indexes, Levenshtein, ``matutils``) does not involve word vectors and is not
ported; ``_TestSimilarityABC``'s pickling test is the pickle exception of the port.
"""

import unittest

import numpy
import pytest
from gensim import similarities
from gensim.models import Word2Vec
from gensim.test.utils import common_texts as TEXTS

import engine

pytest.importorskip("ot")  # gensim's condition for these tests (POT_EXT)


class TestWmdSimilarity(unittest.TestCase):
    def setUp(self):
        self.cls = similarities.WmdSimilarity
        self.gensim_kv = Word2Vec(TEXTS, min_count=1, seed=1, workers=1).wv
        self.w2v_model = engine.Vectors.from_gensim(self.gensim_kv)

    def test_full(self, num_best=None):
        index = self.cls(TEXTS, self.w2v_model)
        index.num_best = num_best
        query = TEXTS[0]
        sims = index[query]
        if num_best is not None:
            for _i, sim in sims:
                self.assertTrue(numpy.all(sim > 0.0))
        else:
            self.assertTrue(sims[0] == 1.0)
            self.assertTrue(numpy.all(sims[1:] > 0.0))
            self.assertTrue(numpy.all(sims[1:] < 1.0))

    def test_num_best(self):
        # _TestSimilarityABC.test_num_best, with WmdSimilarity's own test_full
        for num_best in [None, 0, 1, 9, 1000]:
            self.test_full(num_best=num_best)

    def test_non_increasing(self):
        index = self.cls(TEXTS, self.w2v_model, num_best=3)
        query = TEXTS[0]
        sims = index[query]
        sims2 = numpy.asarray(sims)[:, 1]
        cond = sum(numpy.diff(sims2) < 0) == len(sims2) - 1
        self.assertTrue(cond)

    def test_chunking(self):
        index = self.cls(TEXTS, self.w2v_model)
        query = TEXTS[:3]
        sims = index[query]
        for i in range(3):
            self.assertTrue(numpy.all(sims[i, i] == 1.0))
        index.num_best = 3
        sims = index[query]
        for sims_temp in sims:
            for _i, sim in sims_temp:
                self.assertTrue(numpy.all(sim > 0.0))
                self.assertTrue(numpy.all(sim <= 1.0))

    def test_iter(self):
        index = self.cls(TEXTS, self.w2v_model)
        for sims in index:
            self.assertTrue(numpy.all(sims >= 0.0))
            self.assertTrue(numpy.all(sims <= 1.0))

    def test_str(self):
        index = self.cls(TEXTS, self.w2v_model)
        self.assertTrue(str(index))

    def test_same_as_gensim(self):
        ours = self.cls(TEXTS, self.w2v_model)[TEXTS]
        theirs = self.cls(TEXTS, self.gensim_kv)[TEXTS]
        numpy.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
