"""``engine wmd pairs|knn``: Word Mover's Distance from files of texts."""

from ..errors import EngineError
from ._common import add_vectors_option, command_group, read_lines, vectors_of


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    actions = (
        ("pairs", "distance of each pair in a TSV file (two texts a line)"),
        ("knn", "k nearest corpus documents (one a line) of each query (one a line)"),
    )
    what = "Word Mover's Distance: pairs from a file, or k nearest documents"
    for name, w in command_group(sub, "wmd", what, "wmd_command", "MODE", actions):
        if name == "pairs":
            w.add_argument("pairs", help="TSV file: two texts per line, tab-separated")
        else:
            w.add_argument("queries", help="text file, one query document per line")
            w.add_argument("corpus", help="text file, one document per line")
            w.add_argument("-k", type=int, default=10, help="how many nearest documents (default 10)")
        add_vectors_option(w)
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

    v = vectors_of(args)
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
        for d in wmd.pairs(left, right, method=args.method, reg=args.reg):
            print(repr(float(d)))
        return
    if args.method != "emd":
        raise EngineError("engine wmd knn: only the exact method (emd) is available for knn")
    queries, corpus = read_lines(args.queries), read_lines(args.corpus)
    t = time.perf_counter()
    res = wmd.knn(queries, corpus, k=args.k)
    secs = time.perf_counter() - t
    for q, text in enumerate(queries):
        print(f"query {q}: {text}")
        for r, (i, dist) in enumerate(zip(res.indices[q], res.distances[q]), 1):
            print(f"  {r}\t{int(i)}\t{dist:.6f}\t{corpus[i][:80]}")
        print(f"  exact solves: {int(res.n_exact[q])} of {len(corpus)} documents")
    print(f"{len(queries)} queries over {len(corpus)} documents in {secs:.3f}s")
