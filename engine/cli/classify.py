"""``engine classify``: zero-shot labels for a file of texts."""

import sys

from ._common import add_vectors_option, vectors_of


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
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
    add_vectors_option(s)
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


def _cmd_classify(args):
    from ..classify import ZeroShotClassifier, label_spec, load_labels_file
    from ..classify.labels import column_order
    from ..score import detect_format, iter_texts

    v = vectors_of(args)
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
