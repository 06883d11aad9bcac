"""Looking at vectors: TensorBoard projector files, and a 2-D map of a word's neighbourhood as PNG.

- ``projector(vectors, folder)`` writes ``vectors.tsv`` (one row of tab-separated values per
  word) and ``metadata.tsv`` (the words, with a header and a ``count`` column when the vectors
  have counts), the two files TensorBoard's Embedding Projector
  (https://projector.tensorflow.org, "Load") reads, plus ``projector_config.pbtxt`` pointing
  TensorBoard at them.
- ``neighbourhood_map(vectors, word, path)`` draws the word and its ``k`` nearest neighbours
  projected to 2-D: PCA (always available: an SVD of the centred unit rows), or UMAP / t-SNE
  when ``umap-learn`` / scikit-learn is installed. Drawing needs matplotlib (the extra
  ``engine[plot]``): labels, axes and PNG output are its job, imported only when a map is drawn.

Every file is written under a temporary name and renamed (``engine._safe_files``).
"""

import itertools
import os

import numpy as np

from ._safe_files import disk_errors, new_temp_file, remove_stale
from .errors import DependencyError, EngineError, VocabularyError
from .vectors import Vectors

__all__ = ["METHODS", "neighbourhood_map", "projector", "project_2d"]

#: The 2-D projections ``neighbourhood_map`` knows.
METHODS = ("pca", "umap", "tsne")


def projector(vectors, folder, *, words=None, limit=None, normalize=False):
    """Write TensorBoard Embedding Projector files: ``vectors.tsv`` and ``metadata.tsv``.

    Parameters
    ----------
    vectors : engine.Vectors
        The vectors.
    folder : str or PathLike
        The directory to write into (created if needed); existing files of these names are
        replaced atomically.
    words : list of str, optional
        Only these words, in this order (default: every word, in row order).
    limit : int, optional
        Only the first ``limit`` words (of ``words``, or of the vocabulary).
    normalize : bool, default False
        Write the unit rows instead of the raw vectors (the projector's cosine views are the
        same either way; its PCA differs).

    Returns
    -------
    dict
        The paths written: ``{"vectors": ..., "metadata": ..., "config": ...}``.

    Raises
    ------
    VocabularyError
        If a word of ``words`` is not in the vocabulary.
    EngineError
        If ``vectors`` is not a ``Vectors``, ``limit`` is negative, or a word holds a tab or a
        line break (the TSV cannot hold it); a ``StorageError`` if writing fails.

    Examples
    --------
    >>> import tempfile, numpy as np, engine
    >>> from engine.export import projector
    >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 2.5], [3.0, 4.0]]))
    >>> out = projector(v, tempfile.mkdtemp())
    >>> open(out["vectors"]).read(), open(out["metadata"]).read()
    ('1.0\\t2.5\\n3.0\\t4.0\\n', 'a\\nb\\n')
    """
    if not isinstance(vectors, Vectors):
        raise EngineError(f"projector: expected an engine.Vectors, got {type(vectors).__name__}")
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 0):
        raise EngineError(f"projector: limit must be a non-negative int, got {limit!r}")
    rows = np.arange(len(vectors)) if words is None else vectors.ids(words)
    rows = rows[:limit] if limit is not None else rows
    keys = [vectors.index_to_key[i] for i in rows.tolist()]
    bad = next((w for w in keys if "\t" in w or "\n" in w or "\r" in w), None)
    if bad is not None:
        raise EngineError(f"projector: the word {bad!r} holds a tab or line break; a TSV cannot hold it")
    matrix = vectors.unit if normalize else vectors.vectors
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    paths = {k: os.path.join(folder, n) for k, n in _NAMES.items()}

    def vector_lines():
        for start in range(0, len(rows), 4096):  # bounded memory: 4,096 rows at a time
            block = np.asarray(matrix[rows[start : start + 4096]])
            yield "".join("\t".join(str(x) for x in r) + "\n" for r in block)

    _write_text(paths["vectors"], vector_lines())
    if vectors.counts is None:  # one column: the projector wants no header then
        _write_text(paths["metadata"], (w + "\n" for w in keys))
    else:
        counts = vectors.counts[rows]
        lines = (f"{w}\t{c}\n" for w, c in zip(keys, counts.tolist()))
        _write_text(paths["metadata"], itertools.chain(["word\tcount\n"], lines))
    config = (
        "embeddings {\n"
        '  tensor_name: "engine"\n'
        f'  tensor_path: "{_NAMES["vectors"]}"\n'
        f'  metadata_path: "{_NAMES["metadata"]}"\n'
        "}\n"
    )
    _write_text(paths["config"], [config])
    return paths


_NAMES = {"vectors": "vectors.tsv", "metadata": "metadata.tsv", "config": "projector_config.pbtxt"}


def project_2d(points, method="pca", seed=0):
    """Project rows to 2-D: PCA (an SVD of the centred rows), UMAP or t-SNE.

    Parameters
    ----------
    points : array-like, shape (n, d)
        The rows.
    method : {"pca", "umap", "tsne"}, default "pca"
        ``"umap"`` needs ``umap-learn``; ``"tsne"`` needs scikit-learn.
    seed : int, default 0
        The random state of UMAP and t-SNE (PCA is deterministic; its signs are fixed so that
        each axis's largest coordinate is positive).

    Returns
    -------
    ndarray of float64, shape (n, 2)

    Raises
    ------
    DependencyError
        If the method's package is not installed (the message names it).
    EngineError
        For an unknown method, or fewer than 2 rows (3 for t-SNE and UMAP).

    Examples
    --------
    >>> import numpy as np
    >>> xy = project_2d(np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 1e-3]]))
    >>> xy.shape, np.allclose(np.abs(xy[:, 0]), [1, 0, 1], atol=1e-3)
    ((3, 2), True)
    """
    if method not in METHODS:
        raise EngineError(f"project_2d: method must be one of {', '.join(METHODS)}, got {method!r}")
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2 or len(x) < (2 if method == "pca" else 3):
        raise EngineError(
            f"project_2d: {method} needs at least {2 if method == 'pca' else 3} rows, got shape {x.shape}"
        )
    if method == "pca":
        centred = x - x.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        xy = u[:, :2] * s[:2]
        if xy.shape[1] < 2:  # one dimension: the second axis is 0
            xy = np.column_stack([xy, np.zeros(len(xy))])
        signs = np.sign(xy[np.argmax(np.abs(xy), axis=0), [0, 1]])
        return xy * np.where(signs == 0, 1.0, signs)
    if method == "umap":
        try:
            import umap
        except ImportError:
            raise DependencyError("method='umap' needs umap-learn: pip install umap-learn") from None
        return umap.UMAP(n_components=2, n_neighbors=min(15, len(x) - 1), random_state=seed).fit_transform(x)
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise DependencyError("method='tsne' needs scikit-learn: pip install scikit-learn") from None
    return TSNE(
        n_components=2, perplexity=min(30.0, (len(x) - 1) / 3), random_state=seed, init="pca"
    ).fit_transform(x)


def neighbourhood_map(vectors, word, path, *, k=30, method="pca", seed=0, title=None):
    """Draw ``word`` and its ``k`` nearest neighbours on a 2-D map and save it as PNG.

    The points are the unit vectors of the word and of its neighbours (``most_similar``),
    projected by ``project_2d``; each is labelled, the word in bold, neighbours shaded by
    their cosine similarity to it.

    Parameters
    ----------
    vectors : engine.Vectors
        The vectors.
    word : str
        A vocabulary word (or, with fastText n-grams, any word).
    path : str or PathLike
        The PNG file to write (replaced atomically).
    k : int, default 30
        Neighbours shown (clipped to the vocabulary).
    method : {"pca", "umap", "tsne"}, default "pca"
        The projection.
    seed : int, default 0
        The random state of UMAP and t-SNE.
    title : str, optional
        Default: the word, k, the method.

    Returns
    -------
    list of (str, float)
        The neighbours drawn and their cosine similarities, as ``most_similar`` gives them.

    Raises
    ------
    DependencyError
        If matplotlib (``pip install 'engine[plot]'``) or the method's package is missing.
    VocabularyError
        If ``word`` has no vector.
    EngineError
        If ``k`` is not a positive int; a ``StorageError`` if writing fails.

    Examples
    --------
    >>> import os, tempfile, engine
    >>> from engine.export import neighbourhood_map
    >>> p = os.path.join(tempfile.mkdtemp(), "apple.png")
    >>> near = neighbourhood_map(engine.datasets.default_vectors(), "apple", p, k=10)
    >>> len(near), open(p, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
    (10, True)
    """
    if not isinstance(vectors, Vectors):
        raise EngineError(f"neighbourhood_map: expected an engine.Vectors, got {type(vectors).__name__}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise EngineError(f"neighbourhood_map: k must be a positive int, got {k!r}")
    if word not in vectors:
        raise VocabularyError(f"Key '{word}' not present in vocabulary")
    plt = _pyplot()
    near = vectors.most_similar(word, topn=min(int(k), len(vectors) - vectors.has_index_for(word)))
    if not near:
        raise EngineError(f"neighbourhood_map: {word!r} has no neighbours to draw (a vocabulary of one word)")
    points = np.vstack(
        [vectors.get_vector(word, norm=True)] + [vectors.get_vector(w, norm=True) for w, _ in near]
    )
    xy = project_2d(points, method if len(points) >= 3 else "pca", seed)
    fig, ax = plt.subplots(figsize=(8, 8), dpi=100)
    try:
        sims = np.array([s for _, s in near])
        ax.scatter(xy[1:, 0], xy[1:, 1], c=sims, cmap="viridis", s=30, zorder=2)
        ax.scatter(xy[:1, 0], xy[:1, 1], c="crimson", s=80, zorder=3)
        ax.annotate(
            word, xy[0], xytext=(4, 4), textcoords="offset points", fontweight="bold", color="crimson"
        )
        for (w, _), p in zip(near, xy[1:]):
            ax.annotate(w, p, xytext=(3, 3), textcoords="offset points", fontsize=8)
        ax.set_title(
            title or f"{word!r} and its {len(near)} nearest neighbours ({method.upper()} of unit vectors)"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        _save_figure(fig, os.fspath(path))
    finally:
        plt.close(fig)
    return near


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise DependencyError(
            "drawing a map needs matplotlib: pip install 'engine[plot]' (or pip install matplotlib)"
        ) from None
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def _save_figure(fig, path):
    with disk_errors(path, "write"):
        remove_stale(path)
        tmp = new_temp_file(path, suffix=".png")
        try:
            fig.savefig(tmp, format="png", bbox_inches="tight")
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def _write_text(path, parts):
    """Write ``parts`` (str) as UTF-8 under a temporary name beside ``path``, then rename it."""
    with disk_errors(path, "write"):
        remove_stale(path)
        tmp = new_temp_file(path)
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                for part in parts:
                    f.write(part)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
