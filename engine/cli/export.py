"""``engine export``: TensorBoard projector files, or a PNG map of a word's neighbourhood."""

from ._common import add_vectors_option, read_lines, vectors_of


def add_commands(sub):
    """Add ``engine export`` to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser(
        "export",
        help="export vectors for viewing: TensorBoard projector TSVs, or a PNG map of a word's neighbours",
    )
    add_vectors_option(s)
    s.add_argument(
        "--format",
        choices=["projector", "png"],
        default="projector",
        help="projector: vectors.tsv + metadata.tsv in the directory OUTPUT; png: the map of --word in the file OUTPUT",
    )
    s.add_argument("-o", "--output", required=True, help="a directory (projector) or a .png file (png)")
    s.add_argument("--word", default=None, help="png: the word whose neighbourhood is drawn")
    s.add_argument("-k", "--k", type=int, default=30, help="png: neighbours drawn (default 30)")
    s.add_argument(
        "--method",
        choices=["pca", "umap", "tsne"],
        default="pca",
        help="png: the 2-D projection (umap needs umap-learn, tsne scikit-learn; default pca)",
    )
    s.add_argument("--limit", type=int, default=None, help="projector: only the first LIMIT words")
    s.add_argument("--words", default=None, help="projector: only the words of this file, one a line")
    s.add_argument("--normalize", action="store_true", help="projector: write the unit vectors")
    s.set_defaults(func=_cmd_export)


def _cmd_export(args):
    from .. import export
    from ..errors import EngineError

    v = vectors_of(args)
    if args.format == "png":
        if args.word is None:
            raise EngineError("engine export --format png: give the --word to draw")
        near = export.neighbourhood_map(v, args.word, args.output, k=args.k, method=args.method)
        print(f"wrote the map of {args.word!r} and {len(near)} neighbours to {args.output}")
        return
    words = read_lines(args.words) if args.words else None
    paths = export.projector(v, args.output, words=words, limit=args.limit, normalize=args.normalize)
    print(f"wrote {paths['vectors']} and {paths['metadata']} (load them at https://projector.tensorflow.org)")
