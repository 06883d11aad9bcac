"""``engine wmd pairs|knn``: Word Mover's Distance from files of texts."""

from ..errors import EngineError
from ._common import (
    add_k,
    add_output,
    add_vectors_option,
    command_group,
    open_text_output,
    read_lines,
    vectors_of,
)


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    actions = (
        ("pairs", "distance of each pair in a TSV file (two texts a line)"),
        ("knn", "k nearest corpus documents (one a line) of each query (one a line)"),
    )
    what = "Word Mover's Distance: pairs from a file, or k nearest documents"
    for name, w in command_group(sub, "wmd", what, "wmd_command", "MODE", actions):
        if name == "pairs":
            w.add_argument("pairs", help="TSV file: two texts per line, tab-separated (- for standard input)")
        else:
            w.add_argument("queries", help="text file, one query document per line (- for standard input)")
            w.add_argument("corpus", help="text file, one document per line")
            add_k(w, "nearest documents per query")
        add_vectors_option(w)
        add_output(w)
        w.add_argument("--no-norm", action="store_true", help="use raw vectors instead of unit vectors")
        w.add_argument(
            "--method",
            choices=["emd", "sinkhorn"],
            default="emd",
            help="exact (emd, default) or entropic approximation (sinkhorn; pairs only)",
        )
        w.add_argument("--reg", type=float, default=0.01, help="Sinkhorn regularisation (default 0.01)")
        w.set_defaults(func=_cmd_wmd)


def _cmd_wmd(args):
    import time

    from ..errors import FormatError
    from ..wmd import WMD

    v = vectors_of(args, progress=args.progress)
    wmd = WMD(v, norm=not args.no_norm)
    if args.wmd_command == "pairs":
        left, right = [], []
        for no, line in enumerate(read_lines(args.pairs), 1):
            parts = line.split("\t")
            if len(parts) != 2:
                raise FormatError(
                    f"{args.pairs} line {no}: expected two tab-separated texts, got {len(parts)} field(s)"
                )
            left.append(parts[0])
            right.append(parts[1])
        distances = wmd.pairs(left, right, method=args.method, reg=args.reg) if left else []
        with open_text_output(args.output) as out:
            out.writelines(repr(float(d)) + "\n" for d in distances)
        return
    if args.method != "emd":
        raise EngineError("engine wmd knn: only the exact method (emd) is available for knn")
    if args.queries == "-" and args.corpus == "-":
        raise EngineError("engine wmd knn: the queries and the corpus cannot both be standard input")
    queries, corpus = read_lines(args.queries), read_lines(args.corpus)
    if not corpus:
        raise EngineError(f"{args.corpus}: the corpus is empty")
    if args.k < 1:
        raise EngineError(f"engine wmd knn: --k must be at least 1, got {args.k}")
    t = time.perf_counter()
    res = wmd.knn(queries, corpus, k=args.k, progress=args.progress) if queries else None
    secs = time.perf_counter() - t
    with open_text_output(args.output) as out:
        for q, text in enumerate(queries):
            out.write(f"query {q}: {text}\n")
            for r, (i, dist) in enumerate(zip(res.indices[q], res.distances[q]), 1):
                out.write(f"  {r}\t{int(i)}\t{dist:.6f}\t{corpus[i][:80]}\n")
            out.write(f"  exact solves: {int(res.n_exact[q])} of {len(corpus)} documents\n")
        out.write(f"{len(queries)} queries over {len(corpus)} documents in {secs:.3f}s\n")
