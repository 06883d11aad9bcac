"""evaluate_word_pairs / evaluate_word_analogies give gensim's numbers on gensim's bundled
wordsim353, simlex999 and questions-words."""

import pytest
from _search_helpers import gensim_twin

import engine
from engine.datasets import default_vectors, gensim_test_file, word2vec_keyedvectors


@pytest.fixture(scope="module")
def lee():
    kv = word2vec_keyedvectors()
    return kv, engine.Vectors.from_gensim(kv)


@pytest.mark.parametrize("fname", ["wordsim353.tsv", "simlex999.txt"])
@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [True, False])
def test_word_pairs_equal_gensim(lee, fname, case_insensitive, dummy4unknown):
    kv, v = lee
    for restrict in [300000, 700]:
        args = dict(case_insensitive=case_insensitive, dummy4unknown=dummy4unknown, restrict_vocab=restrict)
        (gp, gpp), (gs, gsp), goov = kv.evaluate_word_pairs(gensim_test_file(fname), **args)
        (ep, epp), (es, esp), eoov = v.evaluate_word_pairs(gensim_test_file(fname), **args)
        assert abs(ep - gp) < 1e-6 and abs(es - gs) < 1e-6
        assert abs(epp - gpp) <= 1e-6 * max(1.0, gpp) and abs(esp - gsp) <= 1e-6 * max(1.0, gsp)
        assert eoov == goov


def test_word_pairs_on_default_vectors():
    v = default_vectors()
    kv = gensim_twin(v)
    for fname in ["wordsim353.tsv", "simlex999.txt"]:
        g = kv.evaluate_word_pairs(gensim_test_file(fname))
        e = v.evaluate_word_pairs(gensim_test_file(fname))
        assert abs(e[0][0] - g[0][0]) < 1e-6 and abs(e[1][0] - g[1][0]) < 1e-6 and e[2] == g[2]


def test_word_pairs_delimiter_and_errors(lee, tmp_path):
    kv, v = lee
    p = tmp_path / "pairs.csv"
    p.write_text("# comment\nman,woman,7.5\nking,queen,8\nbad line\ncar,bus,6\nman,car,2.5\nxyzzy,man,1\n")
    g = kv.evaluate_word_pairs(str(p), delimiter=",")
    e = v.evaluate_word_pairs(str(p), delimiter=",")
    assert abs(e[0][0] - g[0][0]) < 1e-6 and e[2] == g[2]
    with pytest.raises(engine.FormatError, match="pairs.csv"):
        v.evaluate_word_pairs(str(p))  # tab delimiter: no valid line


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [True, False])
def test_analogies_equal_gensim(lee, case_insensitive, dummy4unknown):
    kv, v = lee
    path = gensim_test_file("questions-words.txt")
    for restrict in [1500, 300]:  # keeps gensim's one-query-at-a-time loop fast
        args = dict(restrict_vocab=restrict, case_insensitive=case_insensitive, dummy4unknown=dummy4unknown)
        gscore, gsections = kv.evaluate_word_analogies(path, **args)
        escore, esections = v.evaluate_word_analogies(path, **args)
        assert escore == gscore
        assert esections == gsections  # same sections, same questions right and wrong


def test_analogies_cosmul_and_errors(lee, tmp_path):
    kv, v = lee
    p = tmp_path / "analogies.txt"
    p.write_text(
        ": family\nman woman king queen\nboy girl brother sister\nnot four words\n"
        ": other\nman king woman queen\nqqq www eee rrr\n"
    )
    g = kv.evaluate_word_analogies(str(p))
    e = v.evaluate_word_analogies(str(p))
    assert e == g
    score, sections = v.evaluate_word_analogies(str(p), similarity_function="most_similar_cosmul")
    for s in sections[:-1]:
        for a, b, c, expected in s["correct"] + s["incorrect"]:
            best = [
                w
                for w, _ in kv.most_similar_cosmul(
                    positive=[b.lower(), c.lower()], negative=[a.lower()], topn=1
                )
            ]
            assert (expected.lower() in best) == ((a, b, c, expected) in s["correct"])
    bad = tmp_path / "bad.txt"
    bad.write_text("man woman king queen\n")
    with pytest.raises(engine.FormatError, match="section header"):
        v.evaluate_word_analogies(str(bad))
    empty = tmp_path / "empty.txt"
    empty.write_text(": only a header\n")
    with pytest.raises(engine.FormatError, match="no analogy questions"):
        v.evaluate_word_analogies(str(empty))
    with pytest.raises(engine.FormatError, match="similarity_function"):
        v.evaluate_word_analogies(str(p), similarity_function="nope")
