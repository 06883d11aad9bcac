"""``engine index build|search|recall``: a FAISS index beside the vectors."""

import argparse
import os
import warnings

from ..errors import EngineError
from ._common import add_k, add_output, add_vectors_option, open_text_output


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser("index", help="build, query and measure a FAISS index over vectors")
    isub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    add_vectors_option(common)
    common.add_argument("--index", default=None, help="index directory (default: the vectors directory)")
    b = isub.add_parser("build", parents=[common], help="build an index and save it beside the vectors")
    # the vectors were once a positional argument: still accepted, hidden
    b.add_argument("legacy_vectors", nargs="?", help=argparse.SUPPRESS)
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
    add_k(q, "neighbours per word")
    add_output(q, "TSV file of word and neighbours")
    r = isub.add_parser("recall", parents=[common, knobs], help="recall@k against exact search")
    r.add_argument("legacy_vectors", nargs="?", help=argparse.SUPPRESS)
    r.add_argument("--sample", type=int, default=1000, help="query words sampled (default 1000)")
    add_k(r, "neighbours compared")
    r.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_cmd_index)


def _vectors_path(args):
    """``--vectors``; else the old positional form (``index search DIR WORD ...`` too); else the
    embedded default vectors."""
    from .. import datasets

    legacy = getattr(args, "legacy_vectors", None)
    if legacy is None and args.action == "search" and len(args.words) > 1 and os.path.isdir(args.words[0]):
        legacy = args.words.pop(0)
    if legacy is not None:
        if args.vectors is not None:
            raise EngineError(
                f"engine index: the vectors given twice ({legacy} and --vectors {args.vectors})"
            )
        msg = "engine index: the vectors as a positional argument are deprecated; use --vectors"
        warnings.warn(msg, DeprecationWarning, 2)
        return legacy
    if args.vectors == "-":
        raise EngineError("engine index: the index is kept beside the vectors, so --vectors must be a path")
    return args.vectors or datasets.default_path()


def _cmd_index(args):
    from ..index import FaissIndex
    from ..io import load

    vectors = _vectors_path(args)
    v = load(vectors, mmap=True, progress=args.progress)
    where = args.index or vectors
    if args.action == "build":
        if args.index is None and not os.path.isdir(vectors):
            raise EngineError(f"{vectors}: not an engine directory; give --index DIR to save the index")
        params = dict(_key_value(p) for p in args.param)
        index = FaissIndex.build(v, args.kind, progress=args.progress, **params)
        index.save(where)
        print(f"built {index!r} in {where}")
        return
    index = FaissIndex.load(where, v)
    for knob in ("efSearch", "nprobe", "rerank"):
        if getattr(args, knob) is not None:
            setattr(index, knob, getattr(args, knob))
    if args.action == "search":
        if args.k < 1:
            raise EngineError(f"engine index search: --k must be at least 1, got {args.k}")
        found = [index.most_similar(word, topn=args.k) for word in args.words]
        with open_text_output(args.output) as out:
            for word, hits in zip(args.words, found):
                out.write(word + "\t" + "  ".join(f"{w} {s:.4f}" for w, s in hits) + "\n")
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
