"""The similarity API of ``Vectors``: gensim's ``KeyedVectors`` calls and engine's batched search.

Everything here reads the unit rows through the exact top-k kernel (``engine._kernels.topk``):
``search``, ``most_similar_batch`` and ``analogies`` for many queries at once, and gensim 4.4's
``most_similar``, ``most_similar_cosmul``, ``similarity``, ``n_similarity``, ``doesnt_match``,
``distances``, ``rank`` and the rest with gensim's arguments and results. A mixin of ``Vectors``:
it uses ``_unit``, ``key_to_index``, ``index_to_key``, ``get_index`` and ``get_vector``.
"""

from numbers import Integral

import numpy as np

from . import _kernels
from .errors import ShapeError, VocabularyError


class SimilarityMixin:
    """gensim's similarity calls and engine's batched search, over a ``Vectors``' unit rows."""

    # -- helpers: gensim's input handling --------------------------------------------
    _KEY_TYPES = (str, int, np.integer)
    _EXTENDED_KEY_TYPES = (str, int, np.integer, np.ndarray)

    @staticmethod
    def _ensure_list(value):
        # gensim's _ensure_list: one key or one 1-D vector becomes a list; a 2-D array its rows
        if value is None:
            return []
        if isinstance(value, SimilarityMixin._KEY_TYPES) or (
            isinstance(value, np.ndarray) and value.ndim == 1
        ):
            return [value]
        if isinstance(value, np.ndarray) and value.ndim == 2:
            return list(value)
        return list(value)

    @staticmethod
    def _unitvec(vec):
        # gensim's matutils.unitvec: norm and scaling in float64, back to the input's dtype
        v64 = np.asarray(vec, dtype=np.float64)
        veclen = np.sqrt(np.dot(v64, v64)) if v64.size else 0.0
        if veclen > 0.0:
            return (v64 * (1.0 / veclen)).astype(vec.dtype)
        return vec

    def _clip(self, clip_start, clip_end, restrict_vocab):
        # gensim: restrict_vocab overrides the clip range; clip_end 0/None means the whole vocabulary
        n = len(self)
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        clip_end = clip_end or n
        start, stop, _ = slice(int(clip_start), int(clip_end)).indices(n)
        return start, max(start, stop)

    def _restrict_range(self, restrict_vocab):
        # search(): None → all rows; an int → that many first rows; (start, end) → a row range
        n = len(self)
        if restrict_vocab is None:
            return 0, n
        if isinstance(restrict_vocab, (int, np.integer)) and not isinstance(restrict_vocab, bool):
            if restrict_vocab < 1:
                raise ShapeError(f"restrict_vocab must be at least 1, got {restrict_vocab}")
            return 0, min(int(restrict_vocab), n)
        try:
            lo, hi = (int(x) for x in restrict_vocab)
        except (TypeError, ValueError):
            raise ShapeError(
                f"restrict_vocab: an int or a (start, end) pair, got {restrict_vocab!r}"
            ) from None
        if not 0 <= lo < hi <= n:
            raise ShapeError(f"restrict_vocab: ({lo}, {hi}) is not a non-empty row range within {n}")
        return lo, hi

    def _rows(self, keys, what="queries"):
        # words or row numbers → int64 rows; VocabularyError names the first missing word
        rows = np.empty(len(keys), dtype=np.int64)
        for i, key in enumerate(keys):
            if isinstance(key, str):
                idx = self.key_to_index.get(key)
                if idx is None:
                    raise VocabularyError(f"Key '{key}' not present in vocabulary")
                rows[i] = idx
            elif isinstance(key, (int, np.integer)) and not isinstance(key, bool):
                if not 0 <= key < len(self):
                    raise VocabularyError(f"{what}: row {key} is out of range (0..{len(self) - 1})")
                rows[i] = key
            else:
                raise ShapeError(f"{what}: expected words or row numbers, got {type(key).__name__}")
        return rows

    def _unit_rows(self, rows):
        # unit query vectors renormalised as gensim's most_similar does with one positive word
        q = self._unit[rows].astype(np.float64)
        n = np.sqrt(np.einsum("ij,ij->i", q, q))
        n[n == 0] = 1.0
        return (q * (1.0 / n)[:, None]).astype(np.float32)

    def _queries(self, queries):
        # search() input → (unit float32 query matrix, the query rows or None for vectors)
        if isinstance(queries, (list, tuple)) and queries and all(isinstance(x, np.ndarray) for x in queries):
            queries = np.vstack(queries).astype(np.float32, copy=False)  # a list of vectors
        if isinstance(queries, np.ndarray) and queries.dtype.kind == "f":
            q = queries[None, :] if queries.ndim == 1 else queries
            q = _kernels.as_matrix(q, "queries")
            if q.shape[0] == 0:
                raise ShapeError("queries: no query given")
            if q.shape[1] != self.vector_size:
                raise ShapeError(f"queries have {q.shape[1]} dimensions, the vectors {self.vector_size}")
            return _kernels.normalize_rows(q)[0], None
        if isinstance(queries, self._KEY_TYPES):
            queries = [queries]
        queries = list(queries)
        if not queries:
            raise ShapeError("queries: no query given")
        rows = self._rows(queries)
        return self._unit_rows(rows), rows

    def _topk_range(self, k, lo, hi, name="k"):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ShapeError(f"{name} must be an int, got {k!r}")
        if k < 1:
            raise ShapeError(f"{name} must be at least 1, got {k}")
        if k > hi - lo:
            raise ShapeError(f"{name} = {k} exceeds the {hi - lo} vectors searched")
        return int(k)

    # -- batched search --------------------------------------------------------------
    def search(self, queries, k=10, exclude=None, restrict_vocab=None):
        """Exact cosine top-``k`` for many queries at once: ``(scores, ids)``.

        ``queries``: words, row numbers, a (Q, dim) float array or a list of vectors (each
        unit-normalised here; a zero vector scores 0 everywhere). ``exclude``: one iterable of words or rows per
        query, never returned (the query word itself is *not* excluded unless listed).
        ``restrict_vocab``: an int N to search only the first N words (as gensim), or a
        ``(start, end)`` row range. Returns float32 scores and int64 rows, both (Q, k), best first;
        exact ties come in ascending row order; when exclusions leave fewer than ``k`` rows the
        remaining slots hold row -1 and score -inf.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> scores, ids = v.search(["a", "c"], k=2)
        >>> ids.tolist(), [[round(float(s), 2) for s in row] for row in scores]
        ([[0, 1], [2, 1]], [[1.0, 0.8], [1.0, 0.6]])
        """
        q, _ = self._queries(queries)
        lo, hi = self._restrict_range(restrict_vocab)
        k = self._topk_range(k, lo, hi)
        if exclude is not None:
            if len(exclude) != q.shape[0]:
                raise ShapeError(f"exclude: one list per query expected ({q.shape[0]}), got {len(exclude)}")
            exclude = [
                self._rows([e] if isinstance(e, self._KEY_TYPES) else list(e), "exclude") for e in exclude
            ]
        return _kernels.topk(self._unit, q, k, lo, hi, exclude)

    def most_similar_batch(self, queries, topn=10, restrict_vocab=None):
        """``most_similar`` for many single queries in one batched call.

        Each result equals ``most_similar(query, topn=topn, restrict_vocab=restrict_vocab)``:
        a list of ``(word, score)``, the query word excluded (vector queries exclude nothing).

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> [[w for w, _ in r] for r in v.most_similar_batch(["a", "c"], topn=2)]
        [['b', 'c'], ['b', 'a']]
        """
        q, rows = self._queries(queries)
        if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)):
            raise ShapeError(f"topn must be an int, got {topn!r}")
        if topn < 1:
            return [[] for _ in range(q.shape[0])]
        lo, hi = self._clip(0, None, restrict_vocab)
        if hi <= lo:
            return [[] for _ in range(q.shape[0])]
        exclude = None if rows is None else [[r] for r in rows]
        scores, ids = _kernels.topk(self._unit, q, min(int(topn), hi - lo), lo, hi, exclude)
        return self._results(scores, ids)

    def _results(self, scores, ids):
        keys = self.index_to_key
        return [
            [(keys[i], s) for i, s in zip(ir, sr) if i >= 0] for ir, sr in zip(ids.tolist(), scores.tolist())
        ]

    def analogies(self, a, b, c, topn=10, restrict_vocab=None, method="3cosadd"):
        """Answer many analogies "a is to b as c is to ?" at once: ``(scores, ids)`` (Q, topn).

        ``a``, ``b``, ``c``: equal-length sequences of words or rows. ``method="3cosadd"`` ranks
        by cosine with b + c − a (gensim's ``most_similar(positive=[b, c], negative=[a])``);
        ``"3cosmul"`` by Levy & Goldberg's 3CosMul (gensim's ``most_similar_cosmul``). a, b and c
        are never returned. ``restrict_vocab``: search only the first N words. Slots beyond the
        rows available hold row -1 and score -inf.

        >>> import engine
        >>> v = engine.datasets.default_vectors()
        >>> scores, ids = v.analogies(["man"], ["king"], ["woman"], topn=3)
        >>> ids.shape
        (1, 3)
        """
        ra, rb, rc = (
            self._rows(list(x) if not isinstance(x, np.ndarray) else x.tolist(), name)
            for x, name in ((a, "a"), (b, "b"), (c, "c"))
        )
        if not len(ra) == len(rb) == len(rc):
            raise ShapeError(f"analogies: a, b and c differ in length ({len(ra)}, {len(rb)}, {len(rc)})")
        if len(ra) == 0:
            raise ShapeError("analogies: no analogy given")
        lo, hi = self._clip(0, None, restrict_vocab)
        k = self._topk_range(topn, lo, hi, "topn")
        exclude = list(np.stack([ra, rb, rc], axis=1))
        u = self._unit
        if method == "3cosadd":
            # gensim's get_mean_vector: float32 sums in the order b, c, -a; the mean and its
            # normalisation in float64
            m = ((u[rb] + u[rc]) - u[ra]).astype(np.float64) / 3.0
            n = np.sqrt(np.einsum("ij,ij->i", m, m))
            n[n == 0] = 1.0
            q = (m * (1.0 / n)[:, None]).astype(np.float32)
            return _kernels.topk(u, q, k, lo, hi, exclude)
        if method == "3cosmul":
            q = np.stack([u[rb], u[rc], u[ra]], axis=1).reshape(-1, self.vector_size)
            return _kernels.topk(u, q, k, lo, hi, exclude, cosmul=(2, 1))
        raise ShapeError(f"analogies: method must be '3cosadd' or '3cosmul', got {method!r}")

    # -- gensim KeyedVectors API -----------------------------------------------------
    def get_mean_vector(
        self, keys, weights=None, pre_normalize=True, post_normalize=False, ignore_missing=True
    ):
        """Weighted mean of word vectors (words, rows or arrays), exactly as gensim's.

        Missing words are skipped (``ignore_missing=True``) or raise VocabularyError.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[2.0, 0], [0, 1.0]]))
        >>> v.get_mean_vector(["a", "b"]).tolist()
        [0.5, 0.5]
        """
        if len(keys) == 0:
            raise ShapeError("cannot compute mean with no input")
        if isinstance(weights, list):
            weights = np.array(weights, dtype=np.float32)
        if weights is None:
            weights = np.ones(len(keys), dtype=np.float32)
        if len(keys) != weights.shape[0]:
            raise ShapeError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, np.float32)
        total_weight = 0
        # the same float32 accumulation as gensim, so that results match to the last bit
        for idx, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                if key.shape != (self.vector_size,):
                    raise ShapeError(
                        f"a vector of shape {key.shape} given, the vectors have {self.vector_size} dims"
                    )
                mean += weights[idx] * key
                total_weight += abs(weights[idx])
            elif key in self:
                mean += weights[idx] * self.get_vector(key, norm=pre_normalize)
                total_weight += abs(weights[idx])
            elif not ignore_missing:
                raise VocabularyError(f"Key '{key}' not present in vocabulary")
        if not np.isfinite(mean).all():
            raise ShapeError("the input vectors contain NaN or Inf")
        if total_weight > 0:
            mean = mean / total_weight
        if post_normalize:
            mean = self._unitvec(mean).astype(np.float32)
        return mean

    def most_similar(
        self,
        positive=None,
        negative=None,
        topn=10,
        clip_start=0,
        clip_end=None,
        restrict_vocab=None,
        indexer=None,
    ):
        """The ``topn`` words closest to the mean of ``positive`` minus ``negative``, as gensim.

        Arguments and results are gensim 4.4's ``KeyedVectors.most_similar``: words, rows or
        vectors (a 2-D array is averaged into one query), ``(key, weight)`` tuples, ``topn=None``
        for the raw float32 scores over the clip range, ``topn < 1`` for ``[]``, ``restrict_vocab``
        overriding ``clip_start``/``clip_end``, and ``indexer`` (an object whose
        ``most_similar(unit_vector, topn)`` answers instead, when ``topn`` is an int). Input words
        are not returned. Differences: exact ties come in ascending row order (gensim's order is
        unspecified), and rows of norm zero score 0 instead of NaN.

        >>> import engine
        >>> v = engine.datasets.default_vectors()
        >>> [w for w, _ in v.most_similar(positive=["king", "woman"], negative=["man"], topn=3)]  # doctest: +SKIP
        ['queen', ...]
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive = self._ensure_list(positive)
        negative = self._ensure_list(negative)
        clip_start, clip_end = self._clip(clip_start, clip_end, restrict_vocab)

        keys = []
        weight = np.concatenate((np.ones(len(positive)), -1.0 * np.ones(len(negative))))
        for idx, item in enumerate(positive + negative):
            if isinstance(item, self._EXTENDED_KEY_TYPES):
                keys.append(item)
            else:
                keys.append(item[0])
                weight[idx] = item[1]
        mean = self.get_mean_vector(
            keys, weight, pre_normalize=True, post_normalize=True, ignore_missing=False
        )
        all_keys = sorted(
            {
                self.get_index(key)
                for key in keys
                if isinstance(key, self._KEY_TYPES) and self.has_index_for(key)
            }
        )

        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        if not topn:
            return self._unit[clip_start:clip_end] @ mean
        k = min(int(topn), clip_end - clip_start)
        if k < 1:
            return []
        scores, ids = _kernels.topk(self._unit, mean[None, :], k, clip_start, clip_end, [all_keys])
        return self._results(scores, ids)[0]

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """``most_similar(positive=[word], topn, restrict_vocab)`` (gensim's alias)."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """``most_similar(positive=[key], topn, restrict_vocab)``, as gensim.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> [w for w, _ in v.similar_by_key("a", topn=2)]
        ['b', 'c']
        """
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """``most_similar(positive=[vector], topn, restrict_vocab)``: nothing is excluded.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> v.similar_by_vector(np.array([1.0, 0.0], dtype=np.float32), topn=1)
        [('a', 1.0)]
        """
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Levy & Goldberg's 3CosMul ranking, as gensim's ``most_similar_cosmul``.

        Score ∏(1 + cos(w, p))/2 over positives / (∏(1 + cos(w, n))/2 over negatives + 1e-6).
        Words are unit-normalised, vectors used as given; input words are not returned.
        As in gensim, ``restrict_vocab`` is accepted and ignored (use ``analogies`` for a
        restricted batched 3CosMul). Differences: int keys are rows (gensim misuses them as
        scalars); zero rows have cosine 0 instead of NaN; ties in ascending row order.

        >>> import engine
        >>> v = engine.datasets.default_vectors()
        >>> len(v.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=3))
        3
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive = self._ensure_list(positive)
        negative = self._ensure_list(negative)
        all_words = sorted(
            {
                self.get_index(w)
                for w in positive + negative
                if not isinstance(w, np.ndarray) and self.has_index_for(w)
            }
        )

        def term(w):
            if isinstance(w, np.ndarray):
                return np.asarray(w, dtype=np.float32)
            return self.get_vector(w, norm=True)

        pos = [term(w) for w in positive]
        neg = [term(w) for w in negative]
        if not pos:
            raise ShapeError("cannot compute similarity with no input")
        terms = _kernels.as_matrix(np.vstack(pos + neg), "query vectors")
        if terms.shape[1] != self.vector_size:
            raise ShapeError(
                f"query vectors have {terms.shape[1]} dimensions, the vectors {self.vector_size}"
            )
        if not topn:
            cos = terms @ self._unit.T
            half = (1 + cos) / 2
            return np.prod(half[: len(pos)], axis=0) / (np.prod(half[len(pos) :], axis=0) + 0.000001)
        k = min(int(topn), len(self))
        scores, ids = _kernels.topk(
            self._unit, terms, k, 0, len(self), [all_words], cosmul=(len(pos), len(neg))
        )
        return self._results(scores, ids)[0]

    def similarity(self, w1, w2):
        """Cosine similarity of two words (float32), as gensim.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 0], [0.8, 0.6]]))
        >>> round(float(v.similarity("a", "b")), 3)
        0.8
        """
        return np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True))

    def distance(self, w1, w2):
        """Cosine distance ``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the means of two word lists (missing words skipped), as gensim.

        An empty list raises ShapeError (gensim: ZeroDivisionError).

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> round(float(v.n_similarity(["a", "c"], ["b"])), 3)
        0.99
        """
        if not (len(ws1) and len(ws2)):
            raise ShapeError("n_similarity: at least one of the word lists is empty")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return np.dot(self._unitvec(mean1), self._unitvec(mean2))

    def rank_by_centrality(self, words, use_norm=True):
        """``[(similarity, word), ...]`` by closeness to the words' mean, as gensim."""
        import logging

        used = [w for w in words if w in self]
        if len(used) != len(words):
            logging.getLogger(__name__).warning(
                "vectors for words %s are not present in the model, ignoring these words",
                set(words) - set(used),
            )
        if not used:
            raise VocabularyError(f"none of the words {list(words)!r} is in the vocabulary")
        vectors = np.vstack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        dists = np.dot(vectors, mean)
        return sorted(zip(dists, used), reverse=True)

    def doesnt_match(self, words):
        """The word furthest from the mean of ``words`` (missing words ignored), as gensim.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.9, 0.1], [0, 1]]))
        >>> v.doesnt_match(["a", "b", "c"])
        'c'
        """
        return self.rank_by_centrality(words)[-1][1]

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """Cosine of ``vector_1`` with each row of ``vectors_all``; 0 (not NaN) for zero vectors.

        >>> import numpy as np, engine
        >>> engine.Vectors.cosine_similarities(np.array([1.0, 0]), np.array([[2.0, 0], [0, 3], [0, 0]])).tolist()
        [1.0, 0.0, 0.0]
        """
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        dots = np.dot(vectors_all, vector_1)
        denom = norm * all_norms
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, dots / np.where(denom > 0, denom, 1), 0 * dots)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances from a word or vector to ``other_words`` (all words when empty).

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 0], [0, 1.0]]))
        >>> v.distances("a").tolist()
        [0.0, 1.0]
        """
        if isinstance(word_or_vector, self._KEY_TYPES):
            q = self.get_vector(word_or_vector, norm=True)
        else:
            q = self._unitvec(np.asarray(word_or_vector, dtype=np.float32))
        if len(other_words) == 0:
            others = self._unit
        else:
            others = self._unit[[self.get_index(w) for w in other_words]]
        return 1 - others @ q

    def closer_than(self, key1, key2):
        """All words closer to ``key1`` than ``key2`` is (``key1`` itself left out), as gensim."""
        all_distances = self.distances(key1)
        e1, e2 = self.get_index(key1), self.get_index(key2)
        closer = np.where(all_distances < all_distances[e2])[0]
        return [self.index_to_key[i] for i in closer if i != e1]

    def rank(self, key1, key2):
        """Rank of ``key2`` among the neighbours of ``key1`` (1 = nearest), as gensim.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> v.rank("a", "c")
        2
        """
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1``."""
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def relative_cosine_similarity(self, wa, wb, topn=10):
        """similarity(wa, wb) / the sum of wa's ``topn`` nearest similarities, as gensim."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ShapeError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / (sum(sim for _, sim in sims))
