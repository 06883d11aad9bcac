"""Word Mover's Distance: single pairs, batched matrices and exact k-nearest documents.

The distance is gensim 4.4's ``KeyedVectors.wmdistance`` (Kusner et al. 2015): out-of-vocabulary
words are dropped, each document is a bag of its unique words weighted by count / length, words
are moved at the Euclidean distance between their (by default unit-normalised) vectors, and the
result is the cost of an optimal transport plan, solved exactly by engine's own network simplex
(``csrc/emd.hpp``). Documents become ids and weights once; the word-to-word costs of a whole
batch come from one product; pairs are solved in parallel; ``knn`` prunes with WCD / RWMD / ICT
lower bounds and solves exactly only the documents that can still enter the top k.

Examples
--------
>>> import engine
>>> wmd = engine.WMD(engine.datasets.default_vectors())
>>> round(wmd.distance("the president spoke to the press", "the president greets the media"), 4)
0.566
>>> docs = ["the cat sat on the mat", "a dog lay on the rug", "stocks fell sharply today"]
>>> wmd.knn(["a kitten sat on a rug"], docs, k=2).indices
array([[1, 0]])
"""

from .distance import WMD, emd
from .knn import KnnResult, WmdIndex

__all__ = ["WMD", "WmdIndex", "KnnResult", "emd"]
