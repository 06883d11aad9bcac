"""``engine score TASK``: score a table of texts, streaming, with checkpoints and exit codes."""

import argparse
import sys

from ._common import add_encoder_option, add_k, alias, encoder_batch_size

SCORE_EXIT_CODES = """exit codes:
  0    every row scored (rows skipped with --on-error skip are counted in the summary)
  1    an internal error (a bug: the traceback is printed)
  2    a usage or user error: bad arguments, a missing or unreadable file, bad labels,
       a missing optional dependency, a checkpoint that does not match the job,
       a full disk (rows up to the last checkpoint are kept: make room, then --resume)
       (--resume of a run that already finished exits 0 and leaves the output as it is)
  3    stopped on a bad row (its line is named); rows before it are written and
       checkpointed: fix the row (or add --on-error skip) and run again with --resume
  4    the Dask cluster could not be reached or started
  130  interrupted (Ctrl-C); --resume continues"""
# `engine score --help` and every task's help end with the exit codes, laid out as written
_EXIT_CODES_HELP = dict(epilog=SCORE_EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)


def add_commands(sub):
    """Add ``engine score`` and its tasks to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser(
        "score",
        help="score a table of texts: zero-shot labels, nearest words, WMD neighbours, topics",
        description="Score every row of a table of texts, streaming, in input order.",
        **_EXIT_CODES_HELP,
    )
    tasks = s.add_subparsers(dest="task", required=True, metavar="TASK")
    common = _score_common()

    def task(name, help):
        t = tasks.add_parser(name, parents=[common], help=help, **_EXIT_CODES_HELP)
        t.set_defaults(func=_cmd_score)
        return t

    t = task("zeroshot", "zero-shot labels: label, score")
    t.add_argument(
        "--labels",
        required=True,
        help='JSON file: {"label": "description words" or ["word", ...], ...} or ["label", ...]',
    )
    t.add_argument("--all-scores", action="store_true", help="also a p_<label> column per label")
    add_encoder_option(t)
    t = task("neighbors", "nearest words of each text's vector or of each of its words")
    add_k(t, "neighbours per text or word")
    t.add_argument(
        "--of",
        choices=["text", "words"],
        default="text",
        help="the text's mean vector (default) or each of its words",
    )
    t = task("wmd-knn", "k nearest documents of a corpus by Word Mover's Distance")
    t.add_argument("--corpus", required=True, help="reference corpus (any input format; held in memory)")
    add_k(t, "neighbours per text")
    _corpus_field(t)
    t.add_argument(
        "--corpus-id-field", default=None, help="the corpus's id column (default: row numbers from 0)"
    )
    _add_topics(task("topics", "the most probable topics of each text under a gensim LDA model"))


def _add_topics(t):
    """The options of ``engine score topics``: a gensim LDA model's topics, and nearest documents."""
    t.add_argument(
        "--model",
        required=True,
        help="a model gensim's LdaModel.save wrote (a pickle: it runs code; only files you trust)",
    )
    t.add_argument("--top", type=int, default=3, help="topics per text, most probable first (default 3)")
    t.add_argument(
        "--minimum-probability", type=float, default=None, help="gensim's threshold (default: the model's)"
    )
    t.add_argument(
        "--corpus", default=None, help="reference corpus: also its k nearest documents (any input format)"
    )
    add_k(t, "nearest documents per text")
    t.add_argument(
        "--measure",
        choices=["hellinger", "jensen_shannon", "symmetric_kl", "cosine"],
        default="hellinger",
        help="distance between topic distributions (default hellinger)",
    )
    _corpus_field(t)
    t.add_argument(
        "--corpus-id-field", default=None, help="the corpus's id column (default: row numbers from 0)"
    )


def _corpus_field(t):
    t.add_argument("--corpus-field", default=None, help="the corpus's text column (default: as --field)")
    alias(t, "--corpus-text-field", "--corpus-field", "corpus_field")


def _score_common():
    """The arguments every `engine score` task takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "input",
        help="JSONL, CSV, TSV, Parquet or plain text (.txt, one text per line) file; "
        "- for standard input (JSONL unless --format)",
    )
    common.add_argument(
        "-o",
        "--output",
        default="-",
        help="output file (format by extension); default - (standard output, JSONL)",
    )
    common.add_argument(
        "--vectors",
        default=None,
        help="vectors (default: the embedded default vectors); engine format is memory-mapped",
    )
    common.add_argument(
        "--field",
        default=None,
        help="column holding the text (default: a column named text, body, content, ..., "
        "else the only text column)",
    )
    alias(common, "--text-field", "--field", "field")
    common.add_argument(
        "--id-field", default=None, help="column passed through to the output as its first column"
    )
    fmts = ["jsonl", "csv", "tsv", "parquet"]
    common.add_argument(
        "--format", choices=[*fmts, "text"], default=None, help="input format (default: by extension)"
    )
    alias(common, "--input-format", "--format", "format", choices=[*fmts, "text"])
    common.add_argument("--to", choices=fmts, default=None, help="output format (default: by extension)")
    alias(common, "--output-format", "--to", "to", choices=fmts)
    common.add_argument(
        "--batch-size",
        type=int,
        default=10000,
        help="rows read, scored and written at a time (default 10000)",
    )
    common.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from the output's checkpoint"
    )
    common.add_argument(
        "--on-error",
        choices=["stop", "skip"],
        default="stop",
        help="a bad row stops the run (default, exit 3) or is skipped and counted",
    )
    common.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="score on a Dask cluster (scheduler address, or 'local' for a LocalCluster)",
    )
    common.add_argument(
        "--progress",
        dest="progress_mode",
        choices=["auto", "always", "never"],
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal)",
    )
    common.add_argument(
        "-q", "--quiet", dest="command_quiet", action="store_true", help="no progress bar, no summary line"
    )
    return common


def _score_task(args):
    from .. import score as sc

    if args.task == "zeroshot":
        return sc.ZeroShot.from_json(
            args.labels,
            all_scores=args.all_scores,
            encoder=args.encoder,
            encoder_batch_size=encoder_batch_size(args),
        )
    if args.task == "neighbors":
        return sc.Neighbors(k=args.k, of=args.of)
    if args.task == "topics":
        return sc.Topics(
            args.model,
            top=args.top,
            corpus=args.corpus,
            k=args.k,
            measure=args.measure,
            minimum_probability=args.minimum_probability,
            text_field=args.corpus_field or args.field,
            id_field=args.corpus_id_field,
        )
    return sc.WMDNeighbors(
        args.corpus,
        k=args.k,
        text_field=args.corpus_field or args.field,
        id_field=args.corpus_id_field,
    )


def _cmd_score(args):
    from .. import datasets
    from .. import score as sc

    task = _score_task(args)
    vectors = args.vectors or datasets.default_path()
    executor = None

    def report(msg):
        print(f"engine: {msg}", file=sys.stderr)

    try:
        if args.dask:
            from ..score import ClusterError, DaskExecutor

            try:
                executor = DaskExecutor(args.dask, vectors, task)
            except ClusterError as e:
                print(f"engine: error: {e}", file=sys.stderr)
                raise SystemExit(4) from None
        mode = "never" if args.quiet else args.progress_mode
        progress = {"auto": sys.stderr.isatty(), "always": True, "never": False}[mode]
        summary = sc.score_file(
            args.input,
            args.output,
            vectors,
            task,
            text_field=args.field,
            id_field=args.id_field,
            input_format=args.format,
            output_format=args.to,
            batch_size=args.batch_size,
            resume=args.resume,
            on_error=args.on_error,
            progress=progress,
            report=report,
            executor=executor,
        )
    except sc.BadRowError as e:
        print(
            f"engine: error: {e}; stopped: the rows before it are written; fix the row "
            "(or use --on-error skip) and run again with --resume",
            file=sys.stderr,
        )
        raise SystemExit(3) from None
    except KeyboardInterrupt:
        print("engine: interrupted; run again with --resume to continue", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        if executor is not None:
            executor.close()
    if not args.quiet:
        print(summary.line(), file=sys.stderr)
