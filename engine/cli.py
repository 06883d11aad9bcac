"""The ``engine`` command. It only parses arguments and calls the library.

A user's mistake (an EngineError, a missing file) prints one line and exits with status 2;
anything else is a bug and keeps its traceback.
"""

import argparse
import os
import sys

from .errors import EngineError


def _vectors(args):
    """The vectors a command runs on: ``--vectors PATH``, else the embedded default (memory-mapped)."""
    from . import datasets
    from .io import load

    return load(args.vectors, mmap=True) if args.vectors else datasets.default_vectors(mmap=True)


def _cmd_info(args):
    from .io import load

    v = load(args.path, format=args.format, mmap=True)
    print(f"path:        {args.path}")
    print(f"words:       {len(v)}")
    print(f"dimensions:  {v.vector_size}")
    print(f"counts:      {'yes' if v.counts is not None else 'no'}")
    print(f"n-grams:     {'yes' if v.ngrams is not None else 'no'}")
    print(f"first words: {' '.join(v.index_to_key[:10])}")
    for k, val in v.meta.items():
        print(f"{k + ':':<13}{val}")


def _cmd_convert(args):
    from .io import load, write_word2vec

    v = load(args.input, format=args.format, limit=args.limit)
    if args.to == "engine":
        v.save(args.output)
    else:
        write_word2vec(v, args.output, format=args.to)
    print(f"wrote {len(v)} words × {v.vector_size} dims to {args.output} ({args.to})")


def _cmd_classify(args):
    from .classify import ZeroShotClassifier, label_spec, load_labels_file
    from .classify.labels import column_order
    from .score import detect_format, iter_texts

    v = _vectors(args)
    reference = list(iter_texts(args.reference, "text")) if args.reference else None
    labels = load_labels_file(args.labels)
    clf = ZeroShotClassifier(
        v,
        labels,
        weighting=args.weighting,
        multi_label=args.multi_label,
        temperature=args.temperature,
        threshold=args.threshold,
        reference=reference,
        chunk_size=args.chunk_size,
    ).fit()
    given = list(label_spec(labels))  # columns in the labels file's order
    texts = iter_texts(args.texts, _classify_input_format(args, detect_format), args.field or "text")
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        names = [str(c) for c in given]
        if args.out_format == "tsv":
            out.write("\t".join(["label", "unknown", *names]) + "\n")
        order = column_order(clf.classes_, given)
        for proba, unknown in clf.iter_predict_proba(texts, args.chunk_size):
            for p, unk in zip(proba[:, order], unknown):
                out.write(_classified(p, unk, names, args.multi_label, args.out_format))
    finally:
        if out is not sys.stdout:
            out.close()


def _classify_input_format(args, detect_format):
    """Plain text unless named; with --field a table by extension (JSON Lines if unknown)."""
    if args.input_format or args.field is None:
        return args.input_format or "text"
    fmt = detect_format(args.texts, default="jsonl")
    return "jsonl" if fmt == "text" else fmt


def _classified(p, unk, names, multi_label, out_format):
    """One output line of ``engine classify``: a text's label(s), unknown flag and probabilities."""
    import json

    if multi_label:
        chosen = [n for n, x in zip(names, p) if x >= 0.5 and not unk]
        label = ",".join(chosen)
    else:  # no known word: no label (the probabilities are uniform)
        label = "" if unk else names[int(p.argmax())]
    if out_format == "tsv":
        return "\t".join([label, str(int(unk)), *(f"{x:.6f}" for x in p)]) + "\n"
    rec = {
        "label": chosen if multi_label else label,
        "unknown": bool(unk),
        "probabilities": {n: round(float(x), 6) for n, x in zip(names, p)},
    }
    return json.dumps(rec) + "\n"


def _cmd_search(args):
    from .errors import ShapeError

    queries = list(args.words)
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            queries += [line.strip() for line in f if line.strip()]
    if not queries:
        raise ShapeError("search: give query words as arguments or with --file")
    if args.k < 1:
        raise ShapeError(f"search: --k must be at least 1, got {args.k}")
    v = _vectors(args)
    out = sys.stdout
    for q, hits in zip(queries, v.most_similar_batch(queries, topn=args.k)):
        for rank, (word, score) in enumerate(hits, 1):
            out.write(f"{q}\t{rank}\t{word}\t{score:.6f}\n")


def _meta_sources(names):
    from . import datasets
    from .io import load
    from .vectors import Vectors

    aliases = {
        "default": lambda: datasets.default_vectors(),
        "lee": lambda: Vectors.from_gensim(datasets.word2vec_keyedvectors()),
    }
    return {n: (aliases[n]() if n in aliases and not os.path.exists(n) else load(n)) for n in names}


def _meta_build(args, sources):
    from .meta import MetaEmbeddings

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
    )


def _cmd_meta_build(args):
    meta = _meta_build(args, _meta_sources(args.sources))
    meta.wv.save(args.out)
    print(meta.report)
    print(f"wrote {len(meta.wv):,} words × {meta.wv.vector_size} dims to {args.out}")


def _cmd_meta_evaluate(args):
    from .io import load
    from .meta import DATASETS, evaluate_side_by_side, format_table

    sources = _meta_sources(args.sources)
    if args.meta:
        result = load(args.meta)
    else:
        meta = _meta_build(args, sources)
        print(meta.report, end="\n\n")
        result = meta.wv
    named = dict(sources, **{f"meta ({args.method})" if not args.meta else args.meta: result})
    ds = args.datasets or DATASETS
    print(format_table(evaluate_side_by_side(named, ds, common=args.common), ds))


def _cmd_index(args):
    import os

    from .index import FaissIndex
    from .io import load

    v = load(args.vectors, mmap=True)
    where = args.index or args.vectors
    if args.action == "build":
        if not os.path.isdir(where):
            raise EngineError(f"{args.vectors}: not an engine directory; give --index DIR to save the index")
        params = dict(_key_value(p) for p in args.param)
        index = FaissIndex.build(v, args.kind, **params)
        index.save(where)
        print(f"built {index!r} in {where}")
        return
    index = FaissIndex.load(where, v)
    for knob in ("efSearch", "nprobe", "rerank"):
        if getattr(args, knob) is not None:
            setattr(index, knob, getattr(args, knob))
    if args.action == "search":
        for word in args.words:
            print(word + "\t" + "  ".join(f"{w} {s:.4f}" for w, s in index.most_similar(word, topn=args.k)))
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


def _cmd_demo(args):
    from .demo import run

    run(args)


def _read_lines(path):
    from .errors import FormatError

    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except UnicodeDecodeError as e:
        raise FormatError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def _cmd_wmd(args):
    import time

    from .errors import FormatError
    from .wmd import WMD

    v = _vectors(args)
    wmd = WMD(v, norm=not args.no_norm)
    if args.wmd_command == "pairs":
        left, right = [], []
        for no, line in enumerate(_read_lines(args.pairs), 1):
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
    queries, corpus = _read_lines(args.queries), _read_lines(args.corpus)
    t = time.perf_counter()
    res = wmd.knn(queries, corpus, k=args.k)
    secs = time.perf_counter() - t
    for q, text in enumerate(queries):
        print(f"query {q}: {text}")
        for r, (i, dist) in enumerate(zip(res.indices[q], res.distances[q]), 1):
            print(f"  {r}\t{int(i)}\t{dist:.6f}\t{corpus[i][:80]}")
        print(f"  exact solves: {int(res.n_exact[q])} of {len(corpus)} documents")
    print(f"{len(queries)} queries over {len(corpus)} documents in {secs:.3f}s")


def build_parser():
    p = argparse.ArgumentParser(prog="engine", description="Similarity engine for word embeddings.")
    p.add_argument("--threads", type=int, default=None, help="threads for every kernel (default: all cores)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("info", help="describe a vectors file or directory")
    s.add_argument("path")
    s.add_argument("--format", choices=["engine", "word2vec", "text", "glove"], default=None)
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser("convert", help="convert vectors between formats")
    s.add_argument("input")
    s.add_argument("output")
    s.add_argument("--to", required=True, choices=["engine", "word2vec", "text", "glove"])
    s.add_argument(
        "--format",
        choices=["engine", "word2vec", "text", "glove"],
        default=None,
        help="input format (default: detected)",
    )
    s.add_argument("--limit", type=int, default=None, help="read only the first LIMIT vectors")
    s.set_defaults(func=_cmd_convert)

    # [search] parsers
    s = sub.add_parser("search", help="nearest neighbours of words (TSV: query, rank, word, score)")
    s.add_argument("words", nargs="*", help="query words")
    s.add_argument("--file", default=None, help="a file of query words, one per line")
    s.add_argument("-k", "--k", type=int, default=10, help="neighbours per query (default 10)")
    s.add_argument("--vectors", default=None, help="vectors to search (default: the embedded default)")
    s.set_defaults(func=_cmd_search)

    # [index] parsers
    s = sub.add_parser("index", help="build, query and measure a FAISS index over vectors")
    isub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("vectors", help="an engine vectors directory (or any format engine loads)")
    common.add_argument("--index", default=None, help="index directory (default: the vectors directory)")
    b = isub.add_parser("build", parents=[common], help="build an index and save it beside the vectors")
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
    q.add_argument("-k", type=int, default=10, help="neighbours per word (default 10)")
    r = isub.add_parser("recall", parents=[common, knobs], help="recall@k against exact search")
    r.add_argument("--sample", type=int, default=1000, help="query words sampled (default 1000)")
    r.add_argument("-k", type=int, default=10)
    r.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_cmd_index)

    # [wmd] parsers
    s = sub.add_parser("wmd", help="Word Mover's Distance: pairs from a file, or k nearest documents")
    wsub = s.add_subparsers(dest="wmd_command", required=True, metavar="MODE")
    for name, helptext in (
        ("pairs", "distance of each pair in a TSV file (two texts a line)"),
        ("knn", "k nearest corpus documents (one a line) of each query (one a line)"),
    ):
        w = wsub.add_parser(name, help=helptext)
        if name == "pairs":
            w.add_argument("pairs", help="TSV file: two texts per line, tab-separated")
        else:
            w.add_argument("queries", help="text file, one query document per line")
            w.add_argument("corpus", help="text file, one document per line")
            w.add_argument("-k", type=int, default=10, help="how many nearest documents (default 10)")
        w.add_argument("--vectors", default=None, help="vectors to use (default: the embedded default)")
        w.add_argument("--no-norm", action="store_true", help="use raw vectors instead of unit vectors")
        w.add_argument(
            "--method",
            choices=["emd", "sinkhorn"],
            default="emd",
            help="exact (emd, default) or entropic approximation (sinkhorn; pairs only)",
        )
        w.add_argument("--reg", type=float, default=0.01, help="Sinkhorn regularisation (default 0.01)")
        w.set_defaults(func=_cmd_wmd)

    # [meta] parsers
    s = sub.add_parser("meta", help="combine several embeddings into a meta-embedding")
    msub = s.add_subparsers(dest="meta_command", required=True, metavar="ACTION")
    for name, helptext in (
        ("build", "build a meta-embedding and save it"),
        ("evaluate", "score every source and the meta-embedding side by side"),
    ):
        m = msub.add_parser(name, help=helptext)
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
            m.add_argument("--out", required=True, help="directory to save the meta-embedding to")
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

    s = sub.add_parser("classify", help="zero-shot classify a file of texts against labels")
    s.add_argument(
        "texts",
        help="file of texts (- for standard input): one per line; with --field a table (JSONL, CSV, "
        "TSV or Parquet by extension, else JSONL) whose column FIELD holds the text",
    )
    s.add_argument(
        "--labels",
        required=True,
        help='JSON file: {"name": "description" or ["words"], ...} or ["name", ...]',
    )
    s.add_argument("--field", default=None, help="table input: the column that holds the text")
    s.add_argument(
        "--input-format",
        choices=["text", "jsonl", "csv", "tsv", "parquet"],
        default=None,
        help="name the input's format (default: text, or by extension with --field)",
    )
    s.add_argument("--vectors", default=None, help="vectors to use (default: the embedded default)")
    s.add_argument("--weighting", choices=["sif", "idf", "mean"], default="sif")
    s.add_argument("--multi-label", action="store_true", help="independent probability per label")
    s.add_argument("--threshold", type=float, default=None, help="multi-label score threshold")
    s.add_argument("--temperature", type=float, default=None, help="softmax/sigmoid temperature")
    s.add_argument(
        "--reference", default=None, help="file of texts (one per line) to fit the weighting statistics on"
    )
    s.add_argument(
        "--to",
        dest="out_format",
        choices=["tsv", "jsonl"],
        default="tsv",
        help="output format (default: tsv)",
    )
    s.add_argument("--output", "-o", default="-", help="output file (default: stdout)")
    s.add_argument("--chunk-size", type=int, default=8192, help="texts scored per batch")
    s.set_defaults(func=_cmd_classify)

    _score_parsers(sub)

    s = sub.add_parser("demo", help="run the demo on the embedded default vectors")
    s.add_argument("--vectors", default=None, help="vectors to use instead of the embedded default")
    s.set_defaults(func=_cmd_demo)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.threads is not None:
        from ._config import set_num_threads

        try:
            set_num_threads(args.threads)
        except EngineError as e:
            return _fail(e)
    try:
        args.func(args)
    except (EngineError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        return _fail(e)
    except BrokenPipeError:  # `engine ... | head`
        sys.stderr.close()
    return 0


def _fail(e):
    msg = str(e) if not isinstance(e, OSError) else f"{e.filename}: {e.strerror}"
    print(f"engine: error: {msg}", file=sys.stderr)
    return 2


SCORE_EXIT_CODES = """exit codes:
  0    every row scored (rows skipped with --on-error skip are counted in the summary)
  1    an internal error (a bug: the traceback is printed)
  2    a usage or user error: bad arguments, a missing or unreadable file, bad labels,
       a missing optional dependency, a checkpoint that does not match the job
  3    stopped on a bad row (its line is named); rows before it are written and
       checkpointed: fix the row (or add --on-error skip) and run again with --resume
  4    the Dask cluster could not be reached or started
  130  interrupted (Ctrl-C); --resume continues"""


def _score_common():
    """The arguments every `engine score` task takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "input",
        help="JSONL, CSV, TSV, Parquet or plain text (.txt, one text per line) file; "
        "- for standard input (JSONL unless --input-format)",
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
    common.add_argument("--text-field", default="text", help="column holding the text (default: text)")
    common.add_argument(
        "--id-field", default=None, help="column passed through to the output as its first column"
    )
    common.add_argument("--input-format", choices=["jsonl", "csv", "tsv", "parquet", "text"], default=None)
    common.add_argument("--output-format", choices=["jsonl", "csv", "tsv", "parquet"], default=None)
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
        choices=["auto", "always", "never"],
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal)",
    )
    common.add_argument("--quiet", action="store_true", help="no summary line")
    return common


def _score_parsers(sub):
    common = _score_common()

    s = sub.add_parser(
        "score",
        help="score a table of texts: zero-shot labels, nearest words, WMD neighbours",
        description="Score every row of a table of texts, streaming, in input order.",
        epilog=SCORE_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tasks = s.add_subparsers(dest="task", required=True, metavar="TASK")
    t = tasks.add_parser(
        "zeroshot",
        parents=[common],
        help="zero-shot labels: label, score",
        epilog=SCORE_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument(
        "--labels",
        required=True,
        help='JSON file: {"label": "description words" or ["word", ...], ...} or ["label", ...]',
    )
    t.add_argument("--all-scores", action="store_true", help="also a p_<label> column per label")
    t.set_defaults(func=_cmd_score)
    t = tasks.add_parser(
        "neighbors",
        parents=[common],
        help="nearest words of each text's vector or of each of its words",
        epilog=SCORE_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("-k", "--k", type=int, default=10, help="neighbours per text or word (default 10)")
    t.add_argument(
        "--of",
        choices=["text", "words"],
        default="text",
        help="the text's mean vector (default) or each of its words",
    )
    t.set_defaults(func=_cmd_score)
    t = tasks.add_parser(
        "wmd-knn",
        parents=[common],
        help="k nearest documents of a corpus by Word Mover's Distance",
        epilog=SCORE_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("--corpus", required=True, help="reference corpus (any input format; held in memory)")
    t.add_argument("-k", "--k", type=int, default=10, help="neighbours per text (default 10)")
    t.add_argument(
        "--corpus-text-field", default=None, help="the corpus's text column (default: --text-field)"
    )
    t.add_argument(
        "--corpus-id-field", default=None, help="the corpus's id column (default: row numbers from 0)"
    )
    t.set_defaults(func=_cmd_score)

    s = sub.add_parser(
        "bench", help="run engine's benchmarks and write a report (Markdown, JSON, PNG) and docs pages"
    )
    s.add_argument("names", nargs="*", help="benchmarks to run (bench_NAME.py or NAME; default: all)")
    s.add_argument("--quick", action="store_true", help="the short run of each benchmark")
    s.add_argument("--tiny", action="store_true", help="the smallest run of each (checks they run)")
    s.add_argument("--out", default="bench-results", help="directory for report.md, report.json, search.png")
    s.add_argument("--docs", default=None, help="also write the docs' pages there (docs/performance)")
    s.add_argument("--dir", default=None, help="where the benchmarks are (default: those engine ships)")
    s.add_argument(
        "--no-plot", action="store_true", help="skip search.png (which needs matplotlib: engine[bench])"
    )
    s.set_defaults(func=_cmd_bench)


def _score_task(args):
    from . import score as sc

    if args.task == "zeroshot":
        return sc.ZeroShot.from_json(args.labels, all_scores=args.all_scores)
    if args.task == "neighbors":
        return sc.Neighbors(k=args.k, of=args.of)
    return sc.WMDNeighbors(
        args.corpus,
        k=args.k,
        text_field=args.corpus_text_field or args.text_field,
        id_field=args.corpus_id_field,
    )


def _cmd_score(args):
    from . import datasets
    from . import score as sc

    task = _score_task(args)
    vectors = args.vectors or datasets.default_path()
    executor = None

    def report(msg):
        print(f"engine: {msg}", file=sys.stderr)

    try:
        if args.dask:
            from .score import ClusterError, DaskExecutor

            try:
                executor = DaskExecutor(args.dask, vectors, task)
            except ClusterError as e:
                print(f"engine: error: {e}", file=sys.stderr)
                raise SystemExit(4) from None
        progress = {"auto": sys.stderr.isatty(), "always": True, "never": False}[args.progress]
        summary = sc.score_file(
            args.input,
            args.output,
            vectors,
            task,
            text_field=args.text_field,
            id_field=args.id_field,
            input_format=args.input_format,
            output_format=args.output_format,
            batch_size=args.batch_size,
            resume=args.resume,
            on_error=args.on_error,
            progress=progress,
            report=report,
            executor=executor,
        )
    except sc.BadRowError as e:
        print(f"engine: error: {e}", file=sys.stderr)
        print(
            "engine: stopped; the rows before it are written: fix the row (or use --on-error skip) "
            "and run again with --resume",
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


def _cmd_bench(args):
    from .bench import run_benchmarks

    report = run_benchmarks(
        args.names,
        quick=args.quick,
        tiny=args.tiny,
        out=args.out,
        directory=args.dir,
        plot=not args.no_plot,
        docs_dir=args.docs,
    )
    for path in report["files"]:
        print(f"wrote {path}")
    for name in report["failed"]:
        print(f"engine: benchmark {name} failed: {report['benchmarks'][name]['error']}", file=sys.stderr)
    if report["failed"]:
        raise SystemExit(1)  # a benchmark that raises is a bug, not a user's mistake


if __name__ == "__main__":
    sys.exit(main())
