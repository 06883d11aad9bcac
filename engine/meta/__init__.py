"""Meta-embeddings: combine several word-embedding sources into one ``Vectors``.

``MetaEmbeddings([m1, m2]).wv`` is an ordinary ``engine.Vectors`` (the whole similarity API,
save and load). The sources' rows are gathered, unit-normalised, weighted, projected and
combined block by block in the C++ kernel ``csrc/meta.hpp``; methods that learn a projection
(``svd``, ``1ton``, ``align``) learn it first on a sample of the words every source has.

Notation: ``x_s`` is a word's unit vector in source ``s`` (dimension ``D_s``), ``w_s`` the
source's weight (normalised to sum 1) and ``a_s = sqrt(w_s)`` the factor its vector is scaled by,
so that for ``conc`` the meta cosine of two words all sources know is exactly the weighted mean
``sum_s w_s cos_s(a, b)`` of the sources' cosines. ``C = [a_1 x_1, ..., a_S x_S]`` is the
weighted concatenation (dimension ``sum D_s``) — never materialised for the whole vocabulary.
"""

from .embeddings import METHODS, MetaEmbeddings, MetaReport
from .evaluate import DATASETS, evaluate_side_by_side, format_table
from .fills import fill_map
from .projections import align, one_to_n, svd_projection
from .weights import agreement_weights

__all__ = [
    "MetaEmbeddings",
    "MetaReport",
    "METHODS",
    "agreement_weights",
    "fill_map",
    "svd_projection",
    "one_to_n",
    "align",
    "evaluate_side_by_side",
    "format_table",
    "DATASETS",
]
