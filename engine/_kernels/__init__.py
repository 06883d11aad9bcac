"""The edge between Python and the C++ kernels, and the only importer of ``engine._native``.

Every array is validated and converted here, once, before it reaches a kernel: kernels get
C-contiguous arrays of their dtypes and the right shapes, and a thread count. Defaults that a
kernel owns (tile sizes, Sinkhorn parameters, block sizes) are read from C++, never repeated.
Each kernel is compiled once per instruction set; ``_dispatch`` chooses the copy that runs, once,
at import (``cpu_info`` says which; ``ENGINE_KERNELS`` forces one). One module per kernel family,
as the binding files in csrc/bindings/:

- ``_dispatch``: the dispatch paths, the choice among them, ``cpu_info``
- ``_arrays``: array conversion and the checks every family shares
- ``normalize``: unit rows and their norms
- ``search``: exact top-k (with ``_blas``: scipy's sgemm and its thread limit)
- ``compressed``: bf16/int8 copies of a unit matrix and the exact top-k through them
- ``wmd``: EMD, WMD of pairs, lower bounds, exact k nearest documents
- ``meta``: the meta-embedding projection
- ``docvec``: document vectors and their label scores
- ``text``: texts to bags of word ids
- ``topics``: the LDA E-step and the distances between topic distributions
- ``hnsw``: the k nearest rows by an HNSW graph that FAISS built, its level 0 packed
"""

from ._arrays import as_array, as_matrix
from ._blas import sgemm_address
from ._dispatch import CpuInfo, cpu_info, supported_paths, using_path
from .docvec import doc_scores, doc_vectors
from .hnsw import hnsw_pack, hnsw_search
from .meta import build_meta
from .normalize import normalize_rows
from .search import Scoring, TopKParams, exclusion_csr, topk, topk_one
from .text import ascii_vocab, encode_texts
from .topics import TOPIC_MEASURES, TopicMeasure, lda_inference, topic_knn, topic_pairs, topic_pairwise
from .wmd import (
    WMD_METHODS,
    SinkhornParams,
    emd,
    pair_costs,
    wmd_bounds,
    wmd_knn,
    wmd_pairs,
    wmd_single,
    wmd_single_ids,
    wmd_zip,
)

__all__ = [
    "CpuInfo",
    "WMD_METHODS",
    "Scoring",
    "SinkhornParams",
    "TOPIC_MEASURES",
    "TopKParams",
    "TopicMeasure",
    "as_array",
    "as_matrix",
    "ascii_vocab",
    "build_meta",
    "cpu_info",
    "doc_scores",
    "doc_vectors",
    "emd",
    "encode_texts",
    "exclusion_csr",
    "hnsw_pack",
    "hnsw_search",
    "lda_inference",
    "normalize_rows",
    "pair_costs",
    "sgemm_address",
    "topic_knn",
    "topic_pairs",
    "topic_pairwise",
    "supported_paths",
    "topk",
    "topk_one",
    "using_path",
    "wmd_bounds",
    "wmd_knn",
    "wmd_pairs",
    "wmd_single",
    "wmd_single_ids",
    "wmd_zip",
]
