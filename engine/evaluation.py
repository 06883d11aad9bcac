"""Intrinsic evaluation of word vectors: word-pair similarity and word analogies.

Reads the same files as gensim's ``KeyedVectors.evaluate_word_pairs`` and
``evaluate_word_analogies`` (wordsim353.tsv, simlex999.txt, questions-words.txt and anything in
their formats) and returns the same numbers. The analogies are answered in one batched call
(``Vectors.analogies``) instead of one ``most_similar`` per line.

These functions take any object with ``index_to_key``, ``unit`` (unit rows) and, for analogies,
``analogies(...)``: an ``engine.Vectors``.

>>> import engine
>>> from engine.datasets import gensim_test_file
>>> v = engine.Vectors.from_gensim(engine.datasets.word2vec_keyedvectors())
>>> pearson, spearman, oov = evaluate_word_pairs(v, gensim_test_file("wordsim353.tsv"))
>>> 0 <= oov <= 100
True
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import FormatError

if TYPE_CHECKING:
    from ._typing import PathLike

logger = logging.getLogger(__name__)


def _ok_vocab(vectors, restrict_vocab, case_insensitive):
    """Word → row over the first ``restrict_vocab`` words, the first case variant winning (gensim)."""
    ok_keys = vectors.index_to_key[:restrict_vocab]
    if case_insensitive:
        # reversed, so that the first (most frequent) of several case variants wins
        return {k.upper(): i for i, k in reversed(list(enumerate(ok_keys)))}
    return {k: i for i, k in enumerate(ok_keys)}


def evaluate_word_pairs(
    vectors: Any,
    pairs: PathLike,
    delimiter: str = "\t",
    encoding: str = "utf8",
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> tuple[Any, Any, float]:
    """Correlation of the vectors' cosine similarities with human judgements, as gensim computes it.

    ``pairs`` is a file of ``word1<delimiter>word2<delimiter>score`` lines; lines starting with
    ``#`` and malformed lines are skipped. The model's similarity of a pair is the cosine of the
    two words' unit vectors; it is compared with the human scores by Pearson's and Spearman's
    correlation.

    Parameters
    ----------
    vectors : Vectors
        Anything with ``index_to_key`` and ``unit`` (unit rows).
    pairs : str or PathLike
        The file of judged pairs (e.g. ``wordsim353.tsv``, ``simlex999.txt``).
    delimiter : str, default "\\t"
        Field separator of the file.
    encoding : str, default "utf8"
        The file's encoding.
    restrict_vocab : int, default 300000
        Only the first ``restrict_vocab`` words count as known.
    case_insensitive : bool, default True
        Compare words upper-cased; of several case variants the first (most frequent) wins.
    dummy4unknown : bool, default False
        Score a pair with an unknown word 0 instead of skipping it (the ratio is then taken over
        the pairs kept, as gensim does).

    Returns
    -------
    pearson : scipy PearsonRResult
        ``pearson[0]`` the coefficient, ``pearson[1]`` its p-value.
    spearman : scipy SignificanceResult
        ``spearman[0]`` the coefficient, ``spearman[1]`` its p-value.
    oov_ratio : float
        Percentage of pairs with a word outside the first ``restrict_vocab`` words.

    Raises
    ------
    FormatError
        When no pair could be scored (a wrong file or delimiter).

    Examples
    --------
    >>> import engine
    >>> from engine.datasets import gensim_test_file
    >>> v = engine.Vectors.from_gensim(engine.datasets.word2vec_keyedvectors())
    >>> p, s, oov = evaluate_word_pairs(v, gensim_test_file("simlex999.txt"))
    >>> bool(-1 <= p[0] <= 1 and -1 <= s[0] <= 1)
    True
    """
    from scipy import stats

    ok_vocab = _ok_vocab(vectors, restrict_vocab, case_insensitive)
    gold, rows_a, rows_b, dummy_at = [], [], [], []
    oov = 0
    with open(pairs, encoding=encoding) as fin:
        for line_no, line in enumerate(fin):
            if not line or line.startswith("#"):
                continue
            try:
                fields = line.split(delimiter)
                if case_insensitive:
                    fields = [f.upper() for f in fields]
                a, b, sim = fields
                sim = float(sim)
            except (ValueError, TypeError):
                logger.info("Skipping invalid line #%d in %s", line_no, pairs)
                continue
            if a not in ok_vocab or b not in ok_vocab:
                oov += 1
                if dummy4unknown:
                    dummy_at.append(len(gold))
                    gold.append(sim)
                    rows_a.append(0)
                    rows_b.append(0)
                continue
            gold.append(sim)
            rows_a.append(ok_vocab[a])
            rows_b.append(ok_vocab[b])
    if not gold:
        raise FormatError(
            f"{pairs}: no valid similarity judgements found: either an invalid format (delimiter "
            f"{delimiter!r}) or every pair is out of the vocabulary of {vectors}"
        )
    unit = vectors.unit
    model = np.einsum("ij,ij->i", unit[rows_a], unit[rows_b]).astype(np.float64)
    model[dummy_at] = 0.0
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    if dummy4unknown:
        oov_ratio = float(oov) / len(gold) * 100
    else:
        oov_ratio = float(oov) / (len(gold) + oov) * 100
    logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
    logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
    logger.info("Pairs with unknown words ratio: %.1f%%", oov_ratio)
    return pearson, spearman, oov_ratio


def read_analogies(path, case_insensitive=True):
    """Parse an analogy file into its sections and questions.

    Sections start with ``: NAME`` lines; lines that do not have four words are skipped (as
    gensim does).

    Parameters
    ----------
    path : str or PathLike
        An analogy file such as ``questions-words.txt`` (UTF-8).
    case_insensitive : bool, default True
        Upper-case the words.

    Returns
    -------
    list of (str, list of tuple)
        ``[(section_name, [(a, b, c, expected), ...]), ...]`` in file order.

    Raises
    ------
    FormatError
        For a line that is not UTF-8, or a question before the first section header.

    Examples
    --------
    >>> from engine.datasets import gensim_test_file
    >>> sections = read_analogies(gensim_test_file("questions-words.txt"))
    >>> sections[0][0], sections[0][1][0]
    ('capital-common-countries', ('ATHENS', 'GREECE', 'BAGHDAD', 'IRAQ'))
    """
    sections = []
    with open(path, "rb") as fin:
        for line_no, raw in enumerate(fin):
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as e:
                raise FormatError(f"{path}: line {line_no + 1} is not UTF-8 ({e})") from None
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise FormatError(f"{path}: missing section header (': NAME') before line {line_no + 1}")
            words = line.split()
            if len(words) != 4:
                logger.info("Skipping invalid line #%i in %s", line_no, path)
                continue
            if case_insensitive:
                words = [w.upper() for w in words]
            sections[-1][1].append(tuple(words))
    return sections


def evaluate_word_analogies(
    vectors: Any,
    analogies: PathLike,
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    similarity_function: str = "most_similar",
) -> tuple[float, list[dict[str, Any]]]:
    """Accuracy on an analogy file (``a b c expected`` lines in ``: section`` blocks), as gensim.

    Each question is answered with the best of the top 5 words for b + c − a among the first
    ``restrict_vocab`` words (3CosAdd, gensim's ``most_similar``), skipping a, b and c; all
    questions are answered in one batched call (``Vectors.analogies``).

    Parameters
    ----------
    vectors : Vectors
        Anything with ``index_to_key``, ``unit`` and ``analogies(...)``.
    analogies : str or PathLike
        The analogy file (e.g. ``questions-words.txt``).
    restrict_vocab : int, default 300000
        Answer among, and accept questions over, the first ``restrict_vocab`` words only.
    case_insensitive : bool, default True
        Compare words upper-cased.
    dummy4unknown : bool, default False
        Count a question with an unknown word as wrong instead of skipping it.
    similarity_function : {"most_similar", "most_similar_cosmul"}
        3CosAdd, or 3CosMul (gensim accepts this argument but always uses 3CosAdd).

    Returns
    -------
    score : float
        The overall accuracy.
    sections : list of dict
        One ``{"section": name, "correct": [...], "incorrect": [...]}`` (4-tuples) per
        section, the last one being ``"Total accuracy"``, exactly as gensim's.

    Raises
    ------
    FormatError
        For a file without questions (gensim divides by zero) or an unknown
        ``similarity_function``.

    Examples
    --------
    >>> import engine
    >>> from engine.datasets import gensim_test_file
    >>> v = engine.Vectors.from_gensim(engine.datasets.word2vec_keyedvectors())
    >>> score, sections = evaluate_word_analogies(v, gensim_test_file("questions-words.txt"),
    ...                                           restrict_vocab=2000)
    >>> sections[-1]["section"]
    'Total accuracy'
    """
    if similarity_function not in ("most_similar", "most_similar_cosmul"):
        raise FormatError(
            f"similarity_function must be 'most_similar' or 'most_similar_cosmul', got {similarity_function!r}"
        )
    ok_vocab = _ok_vocab(vectors, restrict_vocab, case_insensitive)
    parsed = read_analogies(analogies, case_insensitive)
    n_questions = sum(len(qs) for _, qs in parsed)
    if n_questions == 0:
        # gensim divides by zero here
        raise FormatError(f"{analogies}: no analogy questions (lines of four words) found")

    known = [q for _, qs in parsed for q in qs if all(w in ok_vocab for w in q)]
    guesses = iter(_answer(vectors, known, ok_vocab, restrict_vocab, case_insensitive, similarity_function))
    sections = []
    for name, questions in parsed:
        section = {"section": name, "correct": [], "incorrect": []}
        for q in questions:
            if all(w in ok_vocab for w in q):
                section["correct" if next(guesses) == q[3] else "incorrect"].append(q)
            elif dummy4unknown:
                section["incorrect"].append(q)
        sections.append(section)
        _log_section(section)
    total = {
        "section": "Total accuracy",
        "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
        "incorrect": list(itertools.chain.from_iterable(s["incorrect"] for s in sections)),
    }
    oov = n_questions - len(known)
    logger.info("Quadruplets with out-of-vocabulary words: %.1f%%", 100.0 * oov / n_questions)
    score = _log_section(total)
    sections.append(total)
    return score, sections


def _answer(vectors, questions, ok_vocab, restrict_vocab, case_insensitive, similarity_function):
    """gensim's guess for each question: the first of the top 5 that is not a, b or c (its case
    variants included), else the last of the 5."""
    if not questions:
        return []
    abc = np.array([[ok_vocab[w] for w in q[:3]] for q in questions], dtype=np.int64)
    _, ids = vectors.analogies(
        abc[:, 0],
        abc[:, 1],
        abc[:, 2],
        topn=5,
        restrict_vocab=restrict_vocab,
        method="3cosmul" if similarity_function == "most_similar_cosmul" else "3cosadd",
    )
    keys = vectors.index_to_key
    guesses = []
    for q, row in zip(questions, ids.tolist()):
        ignore = set(q[:3])
        guess = None
        for i in row:
            if i < 0:  # fewer than 5 candidates in the vocabulary
                break
            guess = keys[i].upper() if case_insensitive else keys[i]
            if guess in ok_vocab and guess not in ignore:
                break
        guesses.append(guess)
    return guesses


def _log_section(section):
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    if correct + incorrect == 0:
        return 0.0
    score = correct / (correct + incorrect)
    logger.info("%s: %.1f%% (%i/%i)", section["section"], 100.0 * score, correct, correct + incorrect)
    return score
