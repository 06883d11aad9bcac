"""``engine classify``: zero-shot labels for a file of texts."""

from ._common import (
    add_encoder_option,
    add_output,
    add_vectors_option,
    alias,
    encoder_of,
    open_text_output,
    vectors_of,
)


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser("classify", help="zero-shot classify a file of texts against labels")
    s.add_argument(
        "texts",
        help="file of texts (- for standard input): a table (.jsonl, .csv, .tsv, .parquet) whose "
        "text field is --field or inferred, or plain text, one per line (.txt, other extensions, "
        "standard input)",
    )
    s.add_argument(
        "--labels",
        required=True,
        help='JSON file: {"name": "description" or ["words"], ...} or ["name", ...]',
    )
    s.add_argument(
        "--field",
        default=None,
        help="table input: the column that holds the text (default: a column named text, body, "
        "content, ..., else the only text column)",
    )
    fmts = ["text", "jsonl", "csv", "tsv", "parquet"]
    s.add_argument("--format", choices=fmts, default=None, help="input format (default: by extension)")
    alias(s, "--input-format", "--format", "format", choices=fmts)
    add_vectors_option(s)
    s.add_argument("--weighting", choices=["sif", "idf", "mean"], default="sif")
    add_encoder_option(s)
    s.add_argument("--multi-label", action="store_true", help="independent probability per label")
    s.add_argument("--threshold", type=float, default=None, help="multi-label score threshold")
    s.add_argument("--temperature", type=float, default=None, help="softmax/sigmoid temperature")
    s.add_argument(
        "--reference", default=None, help="file of texts (one per line) to fit the weighting statistics on"
    )
    s.add_argument(
        "--to",
        choices=["tsv", "jsonl"],
        default="tsv",
        help="output format (default: tsv)",
    )
    add_output(s)
    s.add_argument("--chunk-size", type=int, default=8192, help="texts scored per batch")
    s.set_defaults(func=_cmd_classify)


def _cmd_classify(args):
    from ..classify import ZeroShotClassifier, label_spec, load_labels_file
    from ..classify.labels import column_order
    from ..score import detect_format, iter_texts

    fmt = _classify_input_format(args, detect_format)
    v = vectors_of(args, progress=args.progress)
    reference = list(iter_texts(args.reference, "text")) if args.reference else None
    labels = load_labels_file(args.labels)
    clf = ZeroShotClassifier(
        v,
        labels,
        weighting=args.weighting,
        multi_label=args.multi_label,
        temperature=args.temperature,
        threshold=args.threshold,
        encoder=encoder_of(args),
        reference=reference,
        chunk_size=args.chunk_size,
    ).fit()
    given = list(label_spec(labels))  # columns in the labels file's order
    names = [str(c) for c in given]
    order = column_order(clf.classes_, given)
    with _Texts(args.texts, fmt, args.field, args.progress) as texts, open_text_output(args.output) as out:
        if args.to == "tsv":
            out.write("\t".join(["label", "unknown", *names]) + "\n")
        for proba, unknown in clf.iter_predict_proba(texts, args.chunk_size):
            for p, unk in zip(proba[:, order], unknown):
                out.write(_classified(p, unk, names, args.multi_label, args.to))
            texts.advance()


class _Texts:
    """The texts of the input, with a bar of the input read (bytes; Parquet: rows)."""

    def __init__(self, path, fmt, field, progress):
        from .. import _progress
        from ..score.readers import open_reader, resolve_text_field

        # a file's text field is chosen before any output is written (standard input: as it streams)
        self.reader = open_reader(path, fmt, resolve_text_field(path, fmt, field))
        scaled = self.reader.unit == "line"
        self.bar = _progress.bar(
            total=self.reader.size,
            desc="classify",
            unit="B" if scaled else "row",
            unit_scale=scaled,
            progress=progress,
        )

    def __iter__(self):
        from ..score.readers import BadRowError, where

        for line, text, _, err in self.reader.records():
            if err:
                raise BadRowError(f"{self.reader.name}: {where(self.reader, line)}: {err}", line)
            if err is None:
                yield text

    def advance(self):
        self.bar.update(self.reader.done - self.bar.n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.bar.close()
        self.reader.close()


def _classify_input_format(args, detect_format):
    """``--format``; else a table by its extension (.jsonl, .csv, .tsv, .parquet), whose text
    field is ``--field`` or inferred; else plain text, or JSON Lines when ``--field`` is given."""
    if args.format:
        return args.format
    if args.texts == "-":
        return "jsonl" if args.field else "text"
    fmt = detect_format(args.texts, what="input", default="text")
    return "jsonl" if fmt == "text" and args.field else fmt


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
