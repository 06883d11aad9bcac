"""``engine search``: the nearest words of query words, as TSV."""

import sys

from ._common import add_vectors_option, vectors_of


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser("search", help="nearest neighbours of words (TSV: query, rank, word, score)")
    s.add_argument("words", nargs="*", help="query words")
    s.add_argument("--file", default=None, help="a file of query words, one per line")
    s.add_argument("-k", "--k", type=int, default=10, help="neighbours per query (default 10)")
    s.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16", "int8"),
        default="auto",
        help="scan float32 rows or a compressed copy saved with the vectors (exact either way)",
    )
    add_vectors_option(s)
    s.set_defaults(func=_cmd_search)


def _cmd_search(args):
    from ..errors import ShapeError

    queries = list(args.words)
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            queries += [line.strip() for line in f if line.strip()]
    if not queries:
        raise ShapeError("search: give query words as arguments or with --file")
    if args.k < 1:
        raise ShapeError(f"search: --k must be at least 1, got {args.k}")
    v = vectors_of(args)
    out = sys.stdout
    for q, hits in zip(queries, v.most_similar_batch(queries, topn=args.k, precision=args.precision)):
        for rank, (word, score) in enumerate(hits, 1):
            out.write(f"{q}\t{rank}\t{word}\t{score:.6f}\n")
