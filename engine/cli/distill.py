"""``engine distill``: static vectors distilled from a sentence encoder, saved in engine's format."""

from ._common import add_vectors_option


def add_commands(sub):
    """Add this module's command to the ``engine`` parser's subcommands ``sub``."""
    p = sub.add_parser(
        "distill",
        help="distil a sentence encoder into static word vectors (every word of --vectors through it)",
    )
    add_vectors_option(p)
    p.add_argument("-o", "--output", required=True, help="directory to save the distilled vectors to")
    p.add_argument(
        "--model",
        default=None,
        help="a local sentence-transformers model directory (default: bundled MiniLM)",
    )
    p.add_argument("--dim", type=int, default=256, help="principal components kept (default 256)")
    p.add_argument("--frequencies", choices=["auto", "wordfreq", "zipf"], default="auto")
    p.add_argument("--batch-size", type=int, default=256, help="words per forward pass")
    p.set_defaults(func=_cmd_distill)


def _cmd_distill(args):
    from ..contextual import ContextualEncoder
    from ..distill import distill
    from ._common import vectors_of

    encoder = ContextualEncoder(args.model, batch_size=args.batch_size)
    v = distill(encoder, vectors_of(args), dim=args.dim, frequencies=args.frequencies)
    v.save(args.output)
    info = v.meta["distill"]
    print(f"{args.output}: {len(v):,} words × {v.vector_size} (p(w) from {info['frequencies']})")
