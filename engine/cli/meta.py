"""``engine meta build|evaluate``: meta-embeddings of several sources."""

import os

from ..errors import EngineError
from ._common import alias, command_group


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    actions = (
        ("build", "build a meta-embedding and save it"),
        ("evaluate", "score every source and the meta-embedding side by side"),
    )
    group = command_group(
        sub, "meta", "combine several embeddings into a meta-embedding", "meta_command", "ACTION", actions
    )
    for name, m in group:
        m.add_argument(
            "sources",
            nargs="+",
            metavar="SOURCE",
            help="vectors paths (any format engine.load reads); 'default' and 'lee' name "
            "the embedded default and the Lee Word2Vec",
        )
        m.add_argument("--method", choices=["conc", "avg", "svd", "1ton", "align"], default="conc")
        m.add_argument("--dim", type=int, default=None, help="output dimension (svd, 1ton)")
        m.add_argument("--weights", default=None, help="'auto' or one comma-separated weight per source")
        m.add_argument("--vocab", choices=["union", "intersection"], default="union")
        m.add_argument("--oov", choices=["fill", "zero"], default="fill")
        if name == "build":
            m.add_argument("-o", "--output", default=None, help="directory to save the meta-embedding to")
            alias(m, "--out", "-o/--output", "output")
            m.set_defaults(func=_cmd_meta_build)
        else:
            m.add_argument(
                "--meta", default=None, help="a saved meta-embedding to score instead of building one"
            )
            m.add_argument(
                "--datasets",
                nargs="+",
                default=None,
                help="word-pair / analogy files (default: wordsim353, simlex999, questions-words)",
            )
            m.add_argument(
                "--common",
                action="store_true",
                help="score only the pairs and questions every vectors covers",
            )
            m.set_defaults(func=_cmd_meta_evaluate)


def _meta_sources(names, progress=False):
    from .. import datasets
    from ..io import load
    from ..vectors import Vectors

    if "-" in names:
        raise EngineError("engine meta: the sources are paths; standard input (-) is not one")
    aliases = {
        "default": lambda: datasets.default_vectors(),
        "lee": lambda: Vectors.from_gensim(datasets.word2vec_keyedvectors()),
    }
    return {
        n: (aliases[n]() if n in aliases and not os.path.exists(n) else load(n, progress=progress))
        for n in names
    }


def _meta_build(args, sources):
    """The MetaEmbeddings of ``sources`` with the command's options."""
    from ..meta import MetaEmbeddings

    weights = args.weights
    if weights not in (None, "auto"):
        try:
            weights = [float(w) for w in weights.split(",")]
        except ValueError:
            raise EngineError(
                f"--weights: expected 'auto' or numbers separated by commas, got {args.weights!r}"
            ) from None
    return MetaEmbeddings(
        list(sources.values()),
        method=args.method,
        dim=args.dim,
        weights=weights,
        vocab=args.vocab,
        oov=args.oov,
        names=list(sources),
        progress=args.progress,
    )


def _cmd_meta_build(args):
    if not args.output:
        raise EngineError("engine meta build: give -o/--output DIR, the directory to save it to")
    if args.output == "-":
        raise EngineError(
            "engine meta build: engine's format is a directory; it cannot go to standard output"
        )
    meta = _meta_build(args, _meta_sources(args.sources, args.progress))
    meta.wv.save(args.output)
    print(meta.report)
    print(f"wrote {len(meta.wv):,} words × {meta.wv.vector_size} dims to {args.output}")


def _cmd_meta_evaluate(args):
    from ..io import load
    from ..meta import DATASETS, evaluate_side_by_side, format_table

    sources = _meta_sources(args.sources, args.progress)
    if args.meta:
        result = load(args.meta)
    else:
        meta = _meta_build(args, sources)
        print(meta.report, end="\n\n")
        result = meta.wv
    named = dict(sources, **{f"meta ({args.method})" if not args.meta else args.meta: result})
    ds = args.datasets or DATASETS
    print(format_table(evaluate_side_by_side(named, ds, common=args.common), ds))
