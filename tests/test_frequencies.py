"""SIF's p(w) from wordfreq, and the cache that keeps a command's start-up from paying for it."""

import os

import numpy as np
import pytest

from engine.classify import frequencies

wordfreq = pytest.importorskip("wordfreq")

WORDS = ["the", "Atheist", "orbit", "qqqzzq", "naïve"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGINE_DATA", str(tmp_path))
    return tmp_path / "wordfreq"


# word_frequency rounds to 3 significant digits: at most 0.5 in the third, 5e-3 relative
RTOL = 5e-3


def _oracle(words):
    """wordfreq's own per-word lookup; an unlisted word gets half the smallest listed frequency."""
    floor = 0.5 * min(wordfreq.get_frequency_dict("en").values())
    return np.array([wordfreq.word_frequency(w.lower(), "en") or floor for w in words])


def test_probabilities_are_wordfreqs_and_the_second_call_reads_them_from_the_cache(cache, monkeypatch):
    p = frequencies.wordfreq_probabilities(WORDS)
    np.testing.assert_allclose(p, _oracle(WORDS), rtol=RTOL)
    (cached,) = os.listdir(cache)
    monkeypatch.setattr(frequencies, "_lookup", lambda *a: pytest.fail("looked up again"))
    np.testing.assert_array_equal(frequencies.wordfreq_probabilities(WORDS), p)
    assert os.listdir(cache) == [cached]


def test_the_cache_is_per_vocabulary_language_and_case(cache):
    frequencies.wordfreq_probabilities(WORDS)
    frequencies.wordfreq_probabilities(WORDS[:-1])  # another vocabulary
    frequencies.wordfreq_probabilities(["a\nb", "c"])  # words are kept apart whatever they hold
    frequencies.wordfreq_probabilities(["a", "b\nc"])
    p = frequencies.wordfreq_probabilities(WORDS, lowercase=False)
    assert len(os.listdir(cache)) == 5
    assert p[1] == 0.5 * min(wordfreq.get_frequency_dict("en").values())  # "Atheist" is not listed


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: f.write_bytes(f.read_bytes()[:-8]),  # truncated
        lambda f: np.save(f, np.zeros(len(WORDS))),  # right shape, impossible probabilities
        lambda f: np.save(f, np.ones(len(WORDS), dtype=np.float32)),  # wrong dtype
        lambda f: f.write_bytes(b"not an npy file"),
    ],
)
def test_a_damaged_cache_file_is_recomputed_and_replaced(cache, damage):
    p = frequencies.wordfreq_probabilities(WORDS)
    (f,) = cache.iterdir()
    damage(f)
    np.testing.assert_array_equal(frequencies.wordfreq_probabilities(WORDS), p)
    np.testing.assert_array_equal(np.load(f, allow_pickle=False), p)


def test_a_cache_that_cannot_be_written_is_skipped(cache):
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the folder would go")
    np.testing.assert_allclose(frequencies.wordfreq_probabilities(WORDS), _oracle(WORDS), rtol=RTOL)
