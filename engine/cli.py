"""The ``engine`` command. It only parses arguments and calls the library.

A user's mistake (an EngineError, a missing file) prints one line and exits with status 2;
anything else is a bug and keeps its traceback.
"""
import argparse
import os
import sys

from .errors import EngineError


def _cmd_info(args):
    from .io import load

    v = load(args.path, format=args.format, mmap=True)
    print(f"path:        {args.path}")
    print(f"words:       {len(v)}")
    print(f"dimensions:  {v.vector_size}")
    print(f"counts:      {'yes' if v.counts is not None else 'no'}")
    print(f"n-grams:     {'yes' if v.ngrams is not None else 'no'}")
    print(f"first words: {' '.join(v.index_to_key[:10])}")
    for k, val in v.meta.items():
        print(f"{k + ':':<13}{val}")


def _cmd_convert(args):
    from .formats import write_word2vec
    from .io import load

    v = load(args.input, format=args.format, limit=args.limit)
    if args.to == "engine":
        v.save(args.output)
    else:
        write_word2vec(v, args.output, format=args.to)
    print(f"wrote {len(v)} words × {v.vector_size} dims to {args.output} ({args.to})")


def _cmd_search(args):
    from . import datasets
    from .errors import ShapeError
    from .io import load

    queries = list(args.words)
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            queries += [line.strip() for line in f if line.strip()]
    if not queries:
        raise ShapeError("search: give query words as arguments or with --file")
    if args.k < 1:
        raise ShapeError(f"search: --k must be at least 1, got {args.k}")
    v = load(args.vectors, mmap=True) if args.vectors else datasets.default_vectors(mmap=True)
    out = sys.stdout
    for q, hits in zip(queries, v.most_similar_batch(queries, topn=args.k)):
        for rank, (word, score) in enumerate(hits, 1):
            out.write(f"{q}\t{rank}\t{word}\t{score:.6f}\n")


def _meta_sources(names):
    from . import datasets
    from .io import load
    from .vectors import Vectors

    aliases = {"default": lambda: datasets.default_vectors(),
               "lee": lambda: Vectors.from_gensim(datasets.word2vec_keyedvectors())}
    return {n: (aliases[n]() if n in aliases and not os.path.exists(n) else load(n)) for n in names}


def _meta_build(args, sources):
    from .meta import MetaEmbeddings

    weights = args.weights
    if weights not in (None, "auto"):
        try:
            weights = [float(w) for w in weights.split(",")]
        except ValueError:
            raise EngineError(f"--weights: expected 'auto' or numbers separated by commas, got {args.weights!r}") from None
    return MetaEmbeddings(list(sources.values()), method=args.method, dim=args.dim, weights=weights,
                          vocab=args.vocab, oov=args.oov, names=list(sources))


def _cmd_meta_build(args):
    meta = _meta_build(args, _meta_sources(args.sources))
    meta.wv.save(args.out)
    print(meta.report)
    print(f"wrote {len(meta.wv):,} words × {meta.wv.vector_size} dims to {args.out}")


def _cmd_meta_evaluate(args):
    from .io import load
    from .meta import DATASETS, evaluate_side_by_side, format_table

    sources = _meta_sources(args.sources)
    if args.meta:
        result = load(args.meta)
    else:
        meta = _meta_build(args, sources)
        print(meta.report, end="\n\n")
        result = meta.wv
    named = dict(sources, **{f"meta ({args.method})" if not args.meta else args.meta: result})
    ds = args.datasets or DATASETS
    print(format_table(evaluate_side_by_side(named, ds, common=args.common), ds))


def _cmd_demo(args):
    from .demo import run

    run(args)


def build_parser():
    p = argparse.ArgumentParser(prog="engine", description="Similarity engine for word embeddings.")
    p.add_argument("--threads", type=int, default=None, help="threads for every kernel (default: all cores)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("info", help="describe a vectors file or directory")
    s.add_argument("path")
    s.add_argument("--format", choices=["engine", "word2vec", "text", "glove"], default=None)
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser("convert", help="convert vectors between formats")
    s.add_argument("input")
    s.add_argument("output")
    s.add_argument("--to", required=True, choices=["engine", "word2vec", "text", "glove"])
    s.add_argument("--format", choices=["engine", "word2vec", "text", "glove"], default=None,
                   help="input format (default: detected)")
    s.add_argument("--limit", type=int, default=None, help="read only the first LIMIT vectors")
    s.set_defaults(func=_cmd_convert)

    # [search] parsers
    s = sub.add_parser("search", help="nearest neighbours of words (TSV: query, rank, word, score)")
    s.add_argument("words", nargs="*", help="query words")
    s.add_argument("--file", default=None, help="a file of query words, one per line")
    s.add_argument("--k", type=int, default=10, help="neighbours per query (default 10)")
    s.add_argument("--vectors", default=None, help="vectors to search (default: the embedded default)")
    s.set_defaults(func=_cmd_search)

    # [index] parsers

    # [wmd] parsers

    # [meta] parsers
    s = sub.add_parser("meta", help="combine several embeddings into a meta-embedding")
    msub = s.add_subparsers(dest="meta_command", required=True, metavar="ACTION")
    for name, helptext in (("build", "build a meta-embedding and save it"),
                           ("evaluate", "score every source and the meta-embedding side by side")):
        m = msub.add_parser(name, help=helptext)
        m.add_argument("sources", nargs="+", metavar="SOURCE",
                       help="vectors paths (any format engine.load reads); 'default' and 'lee' name "
                            "the embedded default and the Lee Word2Vec")
        m.add_argument("--method", choices=["conc", "avg", "svd", "1ton", "align"], default="conc")
        m.add_argument("--dim", type=int, default=None, help="output dimension (svd, 1ton)")
        m.add_argument("--weights", default=None, help="'auto' or one comma-separated weight per source")
        m.add_argument("--vocab", choices=["union", "intersection"], default="union")
        m.add_argument("--oov", choices=["fill", "zero"], default="fill")
        if name == "build":
            m.add_argument("--out", required=True, help="directory to save the meta-embedding to")
            m.set_defaults(func=_cmd_meta_build)
        else:
            m.add_argument("--meta", default=None, help="a saved meta-embedding to score instead of building one")
            m.add_argument("--datasets", nargs="+", default=None,
                           help="word-pair / analogy files (default: wordsim353, simlex999, questions-words)")
            m.add_argument("--common", action="store_true",
                           help="score only the pairs and questions every vectors covers")
            m.set_defaults(func=_cmd_meta_evaluate)

    # [classify] parsers

    s = sub.add_parser("demo", help="run the demo on the embedded default vectors")
    s.add_argument("--vectors", default=None, help="vectors to use instead of the embedded default")
    s.set_defaults(func=_cmd_demo)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.threads is not None:
        from ._config import set_num_threads

        try:
            set_num_threads(args.threads)
        except EngineError as e:
            return _fail(e)
    try:
        args.func(args)
    except (EngineError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        return _fail(e)
    except BrokenPipeError:  # `engine ... | head`
        sys.stderr.close()
    return 0


def _fail(e):
    msg = str(e) if not isinstance(e, OSError) else f"{e.filename}: {e.strerror}"
    print(f"engine: error: {msg}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
