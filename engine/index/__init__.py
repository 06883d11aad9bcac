"""``FaissIndex``: a FAISS index over a ``Vectors`` (exact or approximate), saved beside it.

Cosine similarity is the inner product of unit rows, so every index here is built over
``vectors.unit`` with FAISS's inner-product metric and every query is unit-normalised first.
FAISS ids are the rows of the vocabulary, so an id is a word through ``vectors.index_to_key``.

The kinds and their defaults (``N`` words of dimension ``D``). The IVF/PQ sizes scale with ``N``;
HNSW's do not. The graph's quality is set at build time by ``efConstruction``: with 40, ``recall@10``
on clustered data plateaus at 0.986 (300k words) and 0.931 (1M words) however deep the search;
with the default 100 it is 0.999 at 1M words with ``efSearch=64`` (the performance page). Measure with
``recall()``; raise ``efSearch`` after loading, ``efConstruction`` only by rebuilding:

==========  =========================================  ==============================================
kind        FAISS index                                defaults
==========  =========================================  ==============================================
``flat``    ``IndexFlatIP`` (exact)                    none
``hnsw``    ``IndexHNSWFlat``                          ``M=32``, ``efConstruction=100``, ``efSearch=64``
``ivf``     ``IndexIVFFlat``                           ``nlist=default_nlist(N)``, ``nprobe=64``
``sq8``     ``IndexScalarQuantizer`` (8-bit, exact     none (trained on a sample: the per-dimension
            scan over 1-byte codes: 4x less memory)    ranges)
``pq``      ``IndexIVFPQ`` (``m`` 8-bit codes a row)   ``nlist``, ``nprobe=64``, ``m=default_pq_m(D)``,
                                                       ``nbits=8``, ``rerank=10``
other       ``faiss.index_factory(D, kind, IP)``       trained when FAISS says it needs training
==========  =========================================  ==============================================

- ``default_nlist(N) = clip(round(4·sqrt(N)), 1, min(65536, N // 39))``: FAISS's rule of thumb
  (4–16·sqrt(N) lists), capped so k-means sees at least 39 training points per list.
- Training (``ivf``, ``pq``, ``sq8`` and factory strings that need it) uses a random sample of
  ``train_size = min(N, max(50,000, 40·nlist))`` rows (``seed=0``): enough for k-means to place
  ``nlist`` centroids while keeping training minutes, not hours, at 10M words.
- ``default_pq_m(D)``: the largest divisor of ``D`` that leaves at least 8 dimensions to each
  sub-quantizer (30 for D=300, 48 for D=384): a row costs ``m`` bytes instead of ``4·D``.
- ``rerank=r`` (any approximate kind; ``pq`` defaults to 10): fetch ``r·k`` candidates and
  re-score them exactly against ``vectors.unit``, which the index keeps anyway, so the scores
  returned are exact cosines and PQ's coarse codes only choose the candidates.
- Threads follow ``engine.set_num_threads`` (``faiss.omp_set_num_threads`` before each call).
"""

from .exact import exact_search, recall_at_k
from .faiss_index import FaissIndex
from .kinds import _HNSW_DEFAULTS as _HNSW_DEFAULTS  # the benchmark builds hnswlib alike
from .kinds import KINDS, default_nlist, default_pq_m, default_train_size
from .storage import fingerprint, fingerprint_mismatch

__all__ = [
    "FaissIndex",
    "KINDS",
    "default_nlist",
    "default_pq_m",
    "default_train_size",
    "exact_search",
    "recall_at_k",
    "fingerprint",
    "fingerprint_mismatch",
]
