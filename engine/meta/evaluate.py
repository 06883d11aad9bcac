"""Side-by-side evaluation of sources and meta-embeddings on word similarity and analogies."""

import os

# ---------------------------------------------------------------- side-by-side evaluation
DATASETS = ("wordsim353.tsv", "simlex999.txt", "questions-words.txt")


def evaluate_side_by_side(named, datasets=DATASETS, common=False, restrict_vocab=300000):
    """Score several ``Vectors`` on the same word-pair and analogy files (engine.evaluation).

    ``named``: ``{name: Vectors}`` (e.g. every source and the meta-embedding). ``datasets``:
    file paths, or names of gensim's bundled test files; a file whose name contains
    ``questions`` or whose lines have four words is scored as analogies (accuracy), the others
    as word pairs (Spearman). ``common=True`` keeps only the pairs / questions whose words every
    one of the vectors has, so the scores compare like with like.

    Parameters
    ----------
    named : dict of str to Vectors
        The vectors to compare, by name.
    datasets : sequence of str, default ("wordsim353.tsv", "simlex999.txt", "questions-words.txt")
        Files, or names of gensim's bundled test files.
    common : bool, default False
        Keep only the pairs / questions every one of the vectors covers.
    restrict_vocab : int, default 300000
        Only the first ``restrict_vocab`` words of each count.

    Returns
    -------
    list of dict
        One ``{"name", "words", "dim", <dataset>: (score, coverage %)}`` per name.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.datasets.default_vectors()
    >>> rows = evaluate_side_by_side({"default": v}, datasets=["wordsim353.tsv"])
    >>> rows[0]["wordsim353.tsv"][1] > 90
    True
    """
    import tempfile

    from .. import evaluation
    from ..datasets import gensim_test_file

    rows = [{"name": n, "words": len(v), "dim": v.vector_size} for n, v in named.items()]
    vocabs = [{k.upper() for k in v.index_to_key[:restrict_vocab]} for v in named.values()]
    with tempfile.TemporaryDirectory() as tmp:
        for ds in datasets:
            path = ds if os.path.exists(ds) else gensim_test_file(ds)
            label = os.path.basename(ds)
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            analogy = "questions" in label or any(
                len(l.split()) == 4 and "\t" not in l and not l.startswith((":", "#")) for l in lines[:50]
            )
            items = [l for l in lines if l and not l.startswith((":", "#"))]
            items = [l for l in items if len(l.split("\t" if not analogy else None)) >= (4 if analogy else 3)]
            total = len(items)
            if common:

                def covered(l):
                    ws = l.split()[:4] if analogy else l.split("\t")[:2]  # noqa: B023 (called in this iteration)
                    return all(w.upper() in vocab for vocab in vocabs for w in ws)

                keep = [l for l in lines if not l or l.startswith((":", "#")) or covered(l)]
                path = os.path.join(tmp, label)
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(keep) + "\n")
                total = sum(1 for l in keep if l and not l.startswith((":", "#")))
            for row, v in zip(rows, named.values()):
                if total == 0:
                    row[label] = (float("nan"), 0.0)
                elif analogy:
                    score, sections = evaluation.evaluate_word_analogies(
                        v, path, restrict_vocab=restrict_vocab
                    )
                    done = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
                    row[label] = (float(score), 100.0 * done / total)
                else:
                    _, spearman, oov = evaluation.evaluate_word_pairs(v, path, restrict_vocab=restrict_vocab)
                    row[label] = (float(spearman[0]), 100.0 - float(oov))
    return rows


def format_table(rows, datasets=DATASETS):
    """The rows of ``evaluate_side_by_side`` as a text table (score, then coverage in %).

    Parameters
    ----------
    rows : list of dict
        What :func:`evaluate_side_by_side` returned.
    datasets : sequence of str
        The datasets it was given (their base names label the columns).

    Returns
    -------
    str
        The table, one line per vectors.

    Examples
    --------
    >>> rows = [{"name": "a", "words": 10, "dim": 4, "wordsim353.tsv": (0.5, 90.0)}]
    >>> print(format_table(rows, datasets=["wordsim353.tsv"]).splitlines()[-1])
    a                                  10     4        0.500 ( 90.0%)
    """
    labels = [os.path.basename(d) for d in datasets]
    head = f"{'vectors':<28}{'words':>9}{'dims':>6}" + "".join(f"{l[:20]:>22}" for l in labels)
    out = [head, "-" * len(head)]
    for r in rows:
        cells = "".join(f"{r[l][0]:>13.3f} ({r[l][1]:5.1f}%)" for l in labels)
        out.append(f"{r['name'][:27]:<28}{r['words']:>9,}{r['dim']:>6}{cells}")
    return "\n".join(out)
