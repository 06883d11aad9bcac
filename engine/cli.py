"""The ``engine`` command. It only parses arguments and calls the library.

A user's mistake (an EngineError, a missing file) prints one line and exits with status 2;
anything else is a bug and keeps its traceback.
"""
import argparse
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


def _cmd_index(args):
    import os

    from .index import FaissIndex
    from .io import load

    v = load(args.vectors, mmap=True)
    where = args.index or args.vectors
    if args.action == "build":
        if not os.path.isdir(where):
            raise EngineError(f"{args.vectors}: not an engine directory; give --index DIR to save the index")
        params = dict(_key_value(p) for p in args.param)
        index = FaissIndex.build(v, args.kind, **params)
        index.save(where)
        print(f"built {index!r} in {where}")
        return
    index = FaissIndex.load(where, v)
    for knob in ("efSearch", "nprobe", "rerank"):
        if getattr(args, knob) is not None:
            setattr(index, knob, getattr(args, knob))
    if args.action == "search":
        for word in args.words:
            print(word + "\t" + "  ".join(f"{w} {s:.4f}" for w, s in index.most_similar(word, topn=args.k)))
    else:
        r = index.recall(sample=args.sample, k=args.k, seed=args.seed)
        print(f"{index!r}: recall@{args.k} = {r:.4f} over {min(args.sample, len(v))} words")


def _key_value(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise EngineError(f"--param {text!r}: expected KEY=VALUE, e.g. --param M=32")
    try:
        return key, int(value)
    except ValueError:
        raise EngineError(f"--param {text!r}: the value must be an integer") from None


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

    # [index] parsers
    s = sub.add_parser("index", help="build, query and measure a FAISS index over vectors")
    isub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("vectors", help="an engine vectors directory (or any format engine loads)")
    common.add_argument("--index", default=None, help="index directory (default: the vectors directory)")
    b = isub.add_parser("build", parents=[common], help="build an index and save it beside the vectors")
    b.add_argument("--kind", default="hnsw", help="flat, hnsw, ivf, sq8, pq or a FAISS factory string (default hnsw)")
    b.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="build parameter, repeatable: M, efConstruction, efSearch, nlist, nprobe, m, nbits, train_size, seed, rerank")
    knobs = argparse.ArgumentParser(add_help=False)
    knobs.add_argument("--efSearch", type=int, default=None, help="HNSW search depth")
    knobs.add_argument("--nprobe", type=int, default=None, help="IVF lists visited per query")
    knobs.add_argument("--rerank", type=int, default=None, help="candidates per result re-scored exactly")
    q = isub.add_parser("search", parents=[common, knobs], help="nearest words of each WORD (the word excluded)")
    q.add_argument("words", nargs="+", metavar="WORD")
    q.add_argument("-k", type=int, default=10, help="neighbours per word (default 10)")
    r = isub.add_parser("recall", parents=[common, knobs], help="recall@k against exact search")
    r.add_argument("--sample", type=int, default=1000, help="query words sampled (default 1000)")
    r.add_argument("-k", type=int, default=10)
    r.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_cmd_index)

    # [wmd] parsers

    # [meta] parsers

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
