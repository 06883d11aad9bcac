"""The query half of gensim 4.4's ``gensim/test/test_fasttext.py``, ported to ``engine.Vectors``.

Ported from the installed gensim 4.4.0: every test that asks the vectors of a FastText model
something (in-vocabulary and out-of-vocabulary vectors, similarities, ``vectors_for_all`` with and
without inference, word2vec-format persistence, the native Facebook models' vectors). The model
is loaded or trained by gensim, as in the original, and handed to ``engine.Vectors.from_gensim``;
the assertions are gensim's, asked of the ``Vectors``. Not ported (they test gensim's training,
its Facebook binary writer and its hash functions, none of which engine has): the training,
online-learning, memory-estimate, Facebook-format save/byte-identity, ``_unpack`` and hash test
classes. See docs/gensim-differences.md.
"""

import unittest

import gensim.models.fasttext
import numpy as np
import pytest
from gensim import utils
from gensim.models.fasttext import FastText as FT_gensim
from gensim.test.utils import common_texts as sentences
from gensim.test.utils import datapath, get_tmpfile

import engine

pytest.importorskip("ot")  # test_wm_distance's condition in gensim (engine needs no POT for it)

# gensim's module-level helpers, copied: importing gensim.test.test_fasttext needs testfixtures
BUCKET = 10000
with open(datapath("toy-data.txt")) as fin:
    TOY_SENTENCES = [fin.read().strip().split(" ")]


def load_vec(fin):
    fin.readline()  # array shape
    for line in fin:
        columns = line.strip().split(" ")
        word = columns.pop(0)
        yield word, np.array([float(c) for c in columns], dtype=np.float32)


def _vectors(model):
    return engine.Vectors.from_gensim(model)


class TestFastTextModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gensim_model = gensim.models.fasttext.load_facebook_model(datapath("lee_fasttext.bin"))
        cls.wv = _vectors(cls.gensim_model)

    def test_load_fasttext_format(self):
        wv = self.wv
        vocab_size, model_size = 1762, 10
        self.assertEqual(wv.vectors.shape, (vocab_size, model_size))
        self.assertEqual(len(wv), vocab_size, model_size)
        self.assertEqual(wv.ngrams.vectors.shape, (wv.ngrams.bucket, model_size))
        expected_vec = [
            -0.57144,
            -0.0085561,
            0.15748,
            -0.67855,
            -0.25459,
            -0.58077,
            -0.09913,
            1.1447,
            0.23418,
            0.060007,
        ]
        self.assertTrue(np.allclose(wv["hundred"], expected_vec, atol=1e-4))
        expected_vec_oov = [
            -0.21929,
            -0.53778,
            -0.22463,
            -0.41735,
            0.71737,
            -1.59758,
            -0.24833,
            0.62028,
            0.53203,
            0.77568,
        ]
        self.assertTrue(np.allclose(wv["rejection"], expected_vec_oov, atol=1e-4))
        self.assertEqual(wv.ngrams.bucket, 1000)
        self.assertEqual(wv.ngrams.max_n, 6)
        self.assertEqual(wv.ngrams.min_n, 3)

    def test_load_fasttext_new_format(self):
        wv = _vectors(gensim.models.fasttext.load_facebook_model(datapath("lee_fasttext_new.bin")))
        vocab_size, model_size = 1763, 10
        self.assertEqual(wv.vectors.shape, (vocab_size, model_size))
        expected_vec = [
            -0.025627,
            -0.11448,
            0.18116,
            -0.96779,
            0.2532,
            -0.93224,
            0.3929,
            0.12679,
            -0.19685,
            -0.13179,
        ]
        self.assertTrue(np.allclose(wv["hundred"], expected_vec, atol=1e-4))
        expected_vec_oov = [
            -0.49111,
            -0.13122,
            -0.02109,
            -0.88769,
            -0.20105,
            -0.91732,
            0.47243,
            0.19708,
            -0.17856,
            0.19815,
        ]
        self.assertTrue(np.allclose(wv["rejection"], expected_vec_oov, atol=1e-4))

    def test_load_model_with_non_ascii_vocab(self):
        wv = _vectors(gensim.models.fasttext.load_facebook_model(datapath("non_ascii_fasttext.bin")))
        self.assertTrue("který" in wv)
        wv["který"]

    def test_load_model_non_utf8_encoding(self):
        model = gensim.models.fasttext.load_facebook_model(datapath("cp852_fasttext.bin"), encoding="cp852")
        wv = _vectors(model)
        self.assertTrue("který" in wv)
        wv["který"]

    def test_oov_similarity(self):
        word = "someoovword"
        most_similar = self.wv.most_similar(word)
        top_neighbor, top_similarity = most_similar[0]
        v1 = self.wv[word]
        v2 = self.wv[top_neighbor]
        top_similarity_direct = self.wv.cosine_similarities(v1, v2.reshape(1, -1))[0]
        self.assertAlmostEqual(top_similarity, top_similarity_direct, places=6)

    def test_n_similarity(self):
        self.assertTrue(np.allclose(self.wv.n_similarity(["the", "and"], ["and", "the"]), 1.0))
        self.assertEqual(self.wv.n_similarity(["the"], ["and"]), self.wv.n_similarity(["and"], ["the"]))
        self.assertTrue(np.allclose(self.wv.n_similarity(["night", "nights"], ["nights", "night"]), 1.0))
        self.assertEqual(
            self.wv.n_similarity(["night"], ["nights"]), self.wv.n_similarity(["nights"], ["night"])
        )

    def test_similarity(self):
        self.assertTrue(np.allclose(self.wv.similarity("the", "the"), 1.0))
        self.assertEqual(self.wv.similarity("the", "and"), self.wv.similarity("and", "the"))
        self.assertTrue(np.allclose(self.wv.similarity("nights", "nights"), 1.0))
        self.assertEqual(self.wv.similarity("night", "nights"), self.wv.similarity("nights", "night"))

    def test_most_similar(self):
        self.assertEqual(len(self.wv.most_similar(positive=["the", "and"], topn=5)), 5)
        self.assertEqual(self.wv.most_similar("the"), self.wv.most_similar(positive=["the"]))
        self.assertEqual(len(self.wv.most_similar(["night", "nights"], topn=5)), 5)
        self.assertEqual(self.wv.most_similar("nights"), self.wv.most_similar(positive=["nights"]))

    def test_most_similar_cosmul(self):
        wv = self.wv
        self.assertEqual(len(wv.most_similar_cosmul(positive=["the", "and"], topn=5)), 5)
        self.assertEqual(wv.most_similar_cosmul("the"), wv.most_similar_cosmul(positive=["the"]))
        self.assertEqual(len(wv.most_similar_cosmul(["night", "nights"], topn=5)), 5)
        self.assertEqual(wv.most_similar_cosmul("nights"), wv.most_similar_cosmul(positive=["nights"]))
        self.assertEqual(
            wv.most_similar_cosmul("the", "and"), wv.most_similar_cosmul(positive=["the"], negative=["and"])
        )

    def test_lookup(self):
        self.assertTrue("night" in self.wv.key_to_index)
        self.assertTrue(np.allclose(self.wv["night"], self.wv[["night"]]))
        self.assertFalse("nights" in self.wv.key_to_index)
        self.assertTrue(np.allclose(self.wv["nights"], self.wv[["nights"]]))

    def test_contains(self):
        self.assertTrue("night" in self.wv.key_to_index)
        self.assertTrue("night" in self.wv)
        self.assertFalse(self.wv.has_index_for("nights"))
        self.assertFalse("nights" in self.wv.key_to_index)
        self.assertTrue("nights" in self.wv)

    def test_wm_distance(self):
        doc = ["night", "payment"]
        oov_doc = ["nights", "forests", "payments"]
        dist = self.wv.wmdistance(doc, oov_doc)
        self.assertNotEqual(float("inf"), dist)

    def test_persistence_word2vec_format(self):
        """Test storing/loading the model in word2vec format."""
        tmpf = get_tmpfile("gensim_fasttext_w2v_format.tst")
        model = FT_gensim(sentences, min_count=1, vector_size=12, bucket=BUCKET)
        wv = _vectors(model)
        wv.save_word2vec_format(tmpf, binary=True)
        loaded_model_kv = engine.Vectors.load_word2vec_format(tmpf, binary=True)
        self.assertEqual(len(wv), len(loaded_model_kv))
        self.assertTrue(np.allclose(wv["human"], loaded_model_kv["human"]))

    def test_vectors_for_all_with_inference(self):
        words = [
            "responding",
            "approached",
            "chairman",
            "an out-of-vocabulary word",
            "another out-of-vocabulary word",
        ]
        vectors_for_all = self.wv.vectors_for_all(words)
        self.assertEqual(5, len(vectors_for_all))
        self.assertTrue(np.allclose(self.wv["responding"], vectors_for_all["responding"]))
        smaller_distance = np.linalg.norm(
            vectors_for_all["an out-of-vocabulary word"] - vectors_for_all["another out-of-vocabulary word"]
        )
        greater_distance = np.linalg.norm(
            vectors_for_all["an out-of-vocabulary word"] - vectors_for_all["responding"]
        )
        assert greater_distance > smaller_distance

    def test_vectors_for_all_without_inference(self):
        words = [
            "responding",
            "approached",
            "chairman",
            "an out-of-vocabulary word",
            "another out-of-vocabulary word",
        ]
        vectors_for_all = self.wv.vectors_for_all(words, allow_inference=False)
        self.assertEqual(3, len(vectors_for_all))
        self.assertTrue(np.allclose(self.wv["responding"], vectors_for_all["responding"]))


class NativeTrainingContinuationTest(unittest.TestCase):
    """The vectors of fastText's own toy model (the training-continuation tests are not ported)."""

    def setUp(self):
        expected = {
            "quick": [0.023393, 0.11499, 0.11684, -0.13349, 0.022543],
            "brown": [0.015288, 0.050404, -0.041395, -0.090371, 0.06441],
            "fox": [0.061692, 0.082914, 0.020081, -0.039159, 0.03296],
            "jumps": [0.070107, 0.081465, 0.051763, 0.012084, 0.0050402],
            "over": [0.055023, 0.03465, 0.01648, -0.11129, 0.094555],
            "lazy": [-0.022103, -0.020126, -0.033612, -0.049473, 0.0054174],
            "dog": [0.084983, 0.09216, 0.020204, -0.13616, 0.01118],
        }
        self.oov_expected = {word: np.array(arr, dtype=np.float32) for word, arr in expected.items()}

    def test_in_vocab(self):
        wv = _vectors(gensim.models.fasttext.load_facebook_model(datapath("toy-model.bin")))
        with utils.open(datapath("toy-model.vec"), "r", encoding="utf-8") as fin:
            expected = dict(load_vec(fin))
        for word, expected_vector in expected.items():
            self.assertTrue(np.allclose(expected_vector, wv.get_vector(word), atol=1e-5))

    def test_out_of_vocab(self):
        wv = _vectors(gensim.models.fasttext.load_facebook_model(datapath("toy-model.bin")))
        for word, expected_vector in self.oov_expected.items():
            self.assertTrue(np.allclose(expected_vector, wv.get_vector(word), atol=1e-5))

    def test_load_native_pretrained(self):
        wv = _vectors(gensim.models.fasttext.load_facebook_model(datapath("toy-model-pretrained.bin")))
        expected = np.array([0.76222, 1.0669, 0.7055, -0.090969, -0.53508])
        self.assertTrue(np.allclose(expected, wv["monarchist"], atol=10e-4))

    def test_load_native_vectors(self):
        fbkv = _vectors(gensim.models.fasttext.load_facebook_vectors(datapath("crime-and-punishment.bin")))
        self.assertFalse("landlord" in fbkv.key_to_index)
        self.assertTrue("landlady" in fbkv.key_to_index)
        self.assertFalse(np.allclose(fbkv["landlord"], fbkv["landlady"]))

    def test_no_ngrams(self):
        wv = _vectors(gensim.models.fasttext.load_facebook_model(datapath("crime-and-punishment.bin")))
        v1 = wv[""]
        self.assertTrue(np.allclose(v1, np.zeros(v1.shape, v1.dtype)))


def _train_gensim(bucket=100, min_count=5):
    # gensim's train_gensim: parameters matching fastText's toy model
    model = FT_gensim(bucket=bucket, vector_size=5, alpha=0.05, workers=1, sample=0.0001, min_count=min_count)
    model.build_vocab(TOY_SENTENCES)
    model.train(TOY_SENTENCES, total_examples=len(TOY_SENTENCES), epochs=model.epochs)
    return model


class ZeroBucketTest(unittest.TestCase):
    """FastText with no buckets / no n-grams: essentially FastText-as-Word2Vec."""

    def test_in_vocab(self):
        self.assertIsNotNone(_vectors(_train_gensim(bucket=0))["anarchist"])

    def test_out_of_vocab(self):
        with self.assertRaises(KeyError):
            _vectors(_train_gensim(bucket=0)).get_vector("streamtrain")


class ToGensimTest(unittest.TestCase):
    """engine's addition: to_gensim gives a FastTextKeyedVectors answering as the original."""

    def test_round_trip(self):
        model = gensim.models.fasttext.load_facebook_model(datapath("lee_fasttext.bin"))
        kv = _vectors(model).to_gensim()
        self.assertIsInstance(kv, gensim.models.fasttext.FastTextKeyedVectors)
        for word in ("hundred", "rejection", "someoovword", "night"):
            np.testing.assert_array_equal(kv[word], model.wv[word])
        self.assertEqual(kv.most_similar("night", topn=5), model.wv.most_similar("night", topn=5))
