"""``engine search``: the nearest words of query words, as TSV."""

from ._common import add_k, add_output, add_vectors_option, open_text_output, read_lines, vectors_of


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser("search", help="nearest neighbours of words (TSV: query, rank, word, score)")
    s.add_argument("words", nargs="*", help="query words")
    s.add_argument("--file", default=None, help="a file of query words, one per line (- for standard input)")
    add_k(s)
    s.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16", "int8"),
        default="auto",
        help="scan float32 rows or a compressed copy saved with the vectors (exact either way)",
    )
    add_vectors_option(s)
    add_output(s, "TSV file of query, rank, word, score")
    s.set_defaults(func=_cmd_search)


def _cmd_search(args):
    from ..errors import ShapeError

    queries = list(args.words)
    if args.file:
        queries += [line.strip() for line in read_lines(args.file) if line.strip()]
    if not queries:
        raise ShapeError("search: give query words as arguments or with --file")
    if args.k < 1:
        raise ShapeError(f"search: --k must be at least 1, got {args.k}")
    v = vectors_of(args, progress=args.progress)
    hits = v.most_similar_batch(queries, topn=args.k, precision=args.precision)
    with open_text_output(args.output) as out:
        for q, found in zip(queries, hits):
            for rank, (word, score) in enumerate(found, 1):
                out.write(f"{q}\t{rank}\t{word}\t{score:.6f}\n")
