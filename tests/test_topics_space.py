"""TopicSpace: models in (objects and saved files), documents in, bad input out, and topic
features for the classifiers."""

import copy
import pickle

import numpy as np
import pytest
from _topics_helpers import random_lda
from gensim.corpora import Dictionary
from gensim.models import LdaModel
from gensim.test.utils import common_corpus, common_dictionary, common_texts

import engine
import engine.topics
from engine.topics import load_lda


@pytest.fixture(scope="module")
def small():
    return LdaModel(common_corpus, id2word=common_dictionary, num_topics=3, random_state=1)


def test_a_saved_model_loads_through_the_explicit_pickle_door(tmp_path, small):
    path = tmp_path / "lda.model"
    small.save(str(path))
    space = engine.TopicSpace.load(path, init="mean")
    assert (space.num_topics, space.num_terms, space.dtype) == (3, 12, np.float32)
    ref = engine.TopicSpace(small, init="mean").transform(common_texts)
    assert np.array_equal(space.transform(common_texts), ref)
    assert np.array_equal(
        engine.TopicSpace(load_lda(path, mmap="r"), init="mean").transform(common_texts), ref
    )


def test_loading_a_missing_or_foreign_file_is_a_format_error(tmp_path):
    with pytest.raises(engine.FormatError, match="no such file"):
        load_lda(tmp_path / "missing.model")
    foreign = tmp_path / "foreign.model"
    foreign.write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(engine.FormatError, match="not a loadable gensim LDA file"):
        load_lda(foreign)


def test_a_dictionary_that_does_not_match_the_model(small):
    bigger = Dictionary(common_texts + [["extra", "words", "here"]])
    with pytest.raises(engine.EngineError, match="the dictionary does not match the model"):
        engine.TopicSpace(small, bigger)
    space = engine.TopicSpace(small)
    with pytest.raises(engine.EngineError, match="document 1: word id 12 is outside the model's vocabulary"):
        space.transform([[(0, 1.0)], [(12, 1.0)]])
    with pytest.raises(engine.EngineError, match="13 word columns, the model 12 words"):
        from scipy.sparse import csr_matrix

        space.transform(csr_matrix(np.ones((1, 13))))


def test_bad_documents_and_parameters_are_clear_errors(small):
    space = engine.TopicSpace(small)
    with pytest.raises(engine.ShapeError, match="a single str"):
        space.transform("human computer")
    with pytest.raises(engine.ShapeError, match="document 1: expected a text"):
        space.transform(["human", [1, 2]])
    with pytest.raises(engine.ShapeError, match="non-negative"):
        space.transform([[(0, -1.0)]])
    with pytest.raises(engine.EngineError, match="minimum_probability must be a number in"):
        space.transform(["human"], minimum_probability=1.5)
    with pytest.raises(engine.EngineError, match="init must be one of"):
        engine.TopicSpace(small, init="zeros")
    with pytest.raises(engine.EngineError, match="random_state"):
        engine.TopicSpace(small, random_state="seed")
    with pytest.raises(engine.EngineError, match="expected a gensim LdaModel"):
        engine.TopicSpace(object())
    with pytest.raises(engine.ShapeError, match="queries has 2 topics, expected 3"):
        space.index(common_texts).knn(np.full((1, 2), 0.5), k=1)
    with pytest.raises(engine.ShapeError, match="a has 4 topics, expected 3"):
        space.distances(np.full((1, 4), 0.25))
    with pytest.raises(engine.ShapeError, match="NaN"):
        space.distances(np.array([[0.5, np.nan, 0.5]]), common_texts)
    no_dictionary = copy.copy(small)
    no_dictionary.id2word = None
    with pytest.raises(engine.EngineError, match="texts need a dictionary"):
        engine.TopicSpace(no_dictionary).transform(["human"])
    assert engine.TopicSpace(no_dictionary).transform([[(0, 1.0)]]).shape == (1, 3)


def test_no_documents_give_no_rows(small):
    space = engine.TopicSpace(small)
    assert space.transform([]).shape == (0, 3) and space.document_topics([]) == []
    assert space.distances([], common_texts).shape == (0, 9)


def test_an_index_keeps_its_own_copy_of_the_distributions():
    p = np.array([[0.9, 0.1], [0.1, 0.9]])
    for measure in engine.topics.MEASURES:
        index = engine.topics.TopicIndex(p, measure)
        before = index.knn(p, k=2)
        p_copy = p.copy()
        p[:] = p[::-1]
        assert np.array_equal(index.knn(p_copy, k=2).indices, before.indices)
        p[:] = p_copy


def test_random_state_options(small):
    a = engine.TopicSpace(copy.deepcopy(small), random_state=5).transform(common_texts, 0)
    b = engine.TopicSpace(copy.deepcopy(small), random_state=np.random.RandomState(5)).transform(
        common_texts, 0
    )
    c = engine.TopicSpace(copy.deepcopy(small), init="mean").transform(common_texts, 0)
    assert np.array_equal(a, b)
    np.testing.assert_allclose(a, c, atol=0.02)  # two starts, one fixed point up to the tolerance


def test_distances_of_documents_and_distributions(small):
    space = engine.TopicSpace(small, init="mean")
    p = space.transform(common_texts)
    d = space.distances(common_texts, measure="jensen_shannon")
    assert np.array_equal(d, engine.topics.pairwise(p, p, "jensen_shannon"))
    assert np.array_equal(space.distances(p[:2], common_texts), engine.topics.pairwise(p[:2], p))
    assert repr(space) == "<engine.TopicSpace: 3 topics, 12 words, float32>"


def test_a_float64_model_computes_in_float64():
    lda, dictionary = random_lda(0, 5, 50, np.float64)
    space = engine.TopicSpace(lda, dictionary)
    assert space.inference(["w1 w2 w3"]).dtype == np.float64


def test_topic_features_for_few_shot_and_zero_shot():
    lda, dictionary = engine.topics.lee_lda()
    features = engine.TopicSpace(lda, dictionary).features()
    sport = ["the australian cricket team won the test match", "the batsmen scored a century"]
    money = ["the reserve bank raised interest rates", "shares fell on the stock market"]
    fs = engine.FewShotClassifier(encoder=features).fit(sport + money, ["sport"] * 2 + ["money"] * 2)
    assert fs.predict(["india lost the cricket test", "the bank cut interest rates"]).tolist() == [
        "sport",
        "money",
    ]
    labels = {"sport": "cricket test match wickets", "money": "bank interest rates market"}
    zs = engine.ZeroShotClassifier(None, labels, encoder=features).fit()
    assert zs.predict(["the test match was drawn", "interest rates rose again"]).tolist() == [
        "sport",
        "money",
    ]
    proba, unknown = zs.predict_proba(["qqqz xyzzy"], return_unknown=True)
    assert unknown.tolist() == [True] and proba.tolist() == [[0.5, 0.5]]
    X = features.encode(sport)
    np.testing.assert_allclose((X**2).sum(1), 1.0, rtol=1e-6)  # square roots of full distributions
    np.testing.assert_array_equal(features.encode(sport), X)  # no side effect: the same features
    with pytest.raises(engine.EngineError, match="measure"):
        engine.TopicSpace(lda, dictionary).features("symmetric_kl")
