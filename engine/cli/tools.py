"""``engine demo`` and ``engine bench``: the tour on the embedded default vectors, and the benchmarks."""

import sys

from ._common import alias


def add_commands(sub):
    """Add ``engine demo`` and ``engine bench`` to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser("demo", help="run the demo on the embedded default vectors")
    s.add_argument("--vectors", default=None, help="vectors to use instead of the embedded default")
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser(
        "bench", help="run engine's benchmarks and write a report (Markdown, JSON, PNG) and docs pages"
    )
    s.add_argument("names", nargs="*", help="benchmarks to run (bench_NAME.py or NAME; default: all)")
    s.add_argument("--quick", action="store_true", help="the short run of each benchmark")
    s.add_argument("--tiny", action="store_true", help="the smallest run of each (checks they run)")
    s.add_argument(
        "-o", "--output", default="bench-results", help="directory for report.md, report.json, search.png"
    )
    alias(s, "--out", "-o/--output", "output")
    s.add_argument("--docs", default=None, help="also write the docs' pages there (docs/performance)")
    s.add_argument("--dir", default=None, help="where the benchmarks are (default: those engine ships)")
    s.add_argument(
        "--no-plot", action="store_true", help="skip search.png (which needs matplotlib: engine[bench])"
    )
    s.set_defaults(func=_cmd_bench)


def _cmd_demo(args):
    from ..demo import run

    run(args)


def _cmd_bench(args):
    from ..bench import run_benchmarks

    report = run_benchmarks(
        args.names,
        quick=args.quick,
        tiny=args.tiny,
        out=args.output,
        directory=args.dir,
        plot=not args.no_plot,
        docs_dir=args.docs,
        progress=args.progress,
    )
    for path in report["files"]:
        print(f"wrote {path}")
    for name in report["failed"]:
        print(f"engine: benchmark {name} failed: {report['benchmarks'][name]['error']}", file=sys.stderr)
    if report["failed"]:
        raise SystemExit(1)  # a benchmark that raises is a bug, not a user's mistake
