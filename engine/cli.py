"""The ``engine`` command. It only parses arguments and calls the library.

A user's mistake (an EngineError, a missing file) prints one line and exits with status 2;
anything else is a bug and keeps its traceback.
"""
import argparse
import sys

from .errors import EngineError


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
    from .formats import write_word2vec
    from .io import load

    v = load(args.input, format=args.format, limit=args.limit)
    if args.to == "engine":
        v.save(args.output)
    else:
        write_word2vec(v, args.output, format=args.to)
    print(f"wrote {len(v)} words × {v.vector_size} dims to {args.output} ({args.to})")


def _cmd_classify(args):
    import json

    from . import classify, datasets
    from .io import load

    v = load(args.vectors, mmap=True) if args.vectors else datasets.default_vectors(mmap=True)
    reference = list(classify.iter_text_file(args.reference)) if args.reference else None
    clf = classify.ZeroShotClassifier(
        v, classify.load_labels_file(args.labels), weighting=args.weighting,
        multi_label=args.multi_label, temperature=args.temperature, threshold=args.threshold,
        reference=reference, chunk_size=args.chunk_size)
    names = [str(c) for c in clf.classes_]
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        if args.out_format == "tsv":
            out.write("\t".join(["label", "unknown", *names]) + "\n")
        texts = classify.iter_text_file(args.texts, args.field)
        for proba, unknown in clf.iter_predict_proba(texts, args.chunk_size):
            for p, unk in zip(proba, unknown):
                if args.multi_label:
                    chosen = [n for n, x in zip(names, p) if x >= 0.5 and not unk]
                    label = ",".join(chosen)
                else:  # no known word: no label (the probabilities are uniform)
                    label = "" if unk else names[int(p.argmax())]
                if args.out_format == "tsv":
                    out.write("\t".join([label, str(int(unk)), *(f"{x:.6f}" for x in p)]) + "\n")
                else:
                    rec = {"label": chosen if args.multi_label else label, "unknown": bool(unk),
                           "probabilities": {n: round(float(x), 6) for n, x in zip(names, p)}}
                    out.write(json.dumps(rec) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


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

    from . import datasets
    from .errors import FormatError
    from .io import load
    from .wmd import WMD

    v = load(args.vectors, mmap=True) if args.vectors else datasets.default_vectors(mmap=True)
    wmd = WMD(v, norm=not args.no_norm)
    if args.wmd_command == "pairs":
        left, right = [], []
        for no, line in enumerate(_read_lines(args.pairs), 1):
            parts = line.split("\t")
            if len(parts) != 2:
                raise FormatError(f"{args.pairs} line {no}: expected two tab-separated texts, got {len(parts)} field(s)")
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
    s.add_argument("--format", choices=["engine", "word2vec", "text", "glove"], default=None,
                   help="input format (default: detected)")
    s.add_argument("--limit", type=int, default=None, help="read only the first LIMIT vectors")
    s.set_defaults(func=_cmd_convert)

    # [search] parsers

    # [index] parsers

    # [wmd] parsers
    s = sub.add_parser("wmd", help="Word Mover's Distance: pairs from a file, or k nearest documents")
    wsub = s.add_subparsers(dest="wmd_command", required=True, metavar="MODE")
    for name, helptext in (("pairs", "distance of each pair in a TSV file (two texts a line)"),
                           ("knn", "k nearest corpus documents (one a line) of each query (one a line)")):
        w = wsub.add_parser(name, help=helptext)
        if name == "pairs":
            w.add_argument("pairs", help="TSV file: two texts per line, tab-separated")
        else:
            w.add_argument("queries", help="text file, one query document per line")
            w.add_argument("corpus", help="text file, one document per line")
            w.add_argument("-k", type=int, default=10, help="how many nearest documents (default 10)")
        w.add_argument("--vectors", default=None, help="vectors to use (default: the embedded default)")
        w.add_argument("--no-norm", action="store_true", help="use raw vectors instead of unit vectors")
        w.add_argument("--method", choices=["emd", "sinkhorn"], default="emd",
                       help="exact (emd, default) or entropic approximation (sinkhorn; pairs only)")
        w.add_argument("--reg", type=float, default=0.01, help="Sinkhorn regularisation (default 0.01)")
        w.set_defaults(func=_cmd_wmd)

    # [meta] parsers

    # [classify] parsers
    s = sub.add_parser("classify", help="zero-shot classify a file of texts against labels")
    s.add_argument("texts", help="file of texts: one per line, or JSONL with --field")
    s.add_argument("--labels", required=True,
                   help='JSON file: {"name": "description" or ["words"], ...} or ["name", ...]')
    s.add_argument("--field", default=None, help="JSONL input: the field that holds the text")
    s.add_argument("--vectors", default=None, help="vectors to use (default: the embedded default)")
    s.add_argument("--weighting", choices=["sif", "idf", "mean"], default="sif")
    s.add_argument("--multi-label", action="store_true", help="independent probability per label")
    s.add_argument("--threshold", type=float, default=None, help="multi-label score threshold")
    s.add_argument("--temperature", type=float, default=None, help="softmax/sigmoid temperature")
    s.add_argument("--reference", default=None,
                   help="file of texts (one per line) to fit the weighting statistics on")
    s.add_argument("--to", dest="out_format", choices=["tsv", "jsonl"], default="tsv",
                   help="output format (default: tsv)")
    s.add_argument("--output", "-o", default="-", help="output file (default: stdout)")
    s.add_argument("--chunk-size", type=int, default=8192, help="texts scored per batch")
    s.set_defaults(func=_cmd_classify)

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


if __name__ == "__main__":
    sys.exit(main())
