"""``engine index build|search|recall``: a FAISS index beside the vectors."""

import argparse

from ..errors import EngineError


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser("index", help="build, query and measure a FAISS index over vectors")
    isub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("vectors", help="an engine vectors directory (or any format engine loads)")
    common.add_argument("--index", default=None, help="index directory (default: the vectors directory)")
    b = isub.add_parser("build", parents=[common], help="build an index and save it beside the vectors")
    b.add_argument(
        "--kind", default="hnsw", help="flat, hnsw, ivf, sq8, pq or a FAISS factory string (default hnsw)"
    )
    b.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="build parameter, repeatable: M, efConstruction, efSearch, nlist, nprobe, m, nbits, train_size, seed, rerank",
    )
    knobs = argparse.ArgumentParser(add_help=False)
    knobs.add_argument("--efSearch", type=int, default=None, help="HNSW search depth")
    knobs.add_argument("--nprobe", type=int, default=None, help="IVF lists visited per query")
    knobs.add_argument("--rerank", type=int, default=None, help="candidates per result re-scored exactly")
    q = isub.add_parser(
        "search", parents=[common, knobs], help="nearest words of each WORD (the word excluded)"
    )
    q.add_argument("words", nargs="+", metavar="WORD")
    q.add_argument("-k", type=int, default=10, help="neighbours per word (default 10)")
    r = isub.add_parser("recall", parents=[common, knobs], help="recall@k against exact search")
    r.add_argument("--sample", type=int, default=1000, help="query words sampled (default 1000)")
    r.add_argument("-k", type=int, default=10)
    r.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_cmd_index)


def _cmd_index(args):
    import os

    from ..index import FaissIndex
    from ..io import load

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
