"""``engine topics show|infer|knn``: a gensim LDA model's topics, texts' topics, nearest documents."""

import time

from ..errors import EngineError
from ._common import add_k, add_output, command_group, open_text_output, read_lines

MODEL_HELP = "a model gensim's LdaModel.save wrote (a pickle: loading it runs code; only files you trust)"


def add_commands(sub):
    """Add ``engine topics`` to the ``engine`` parser's subcommands ``sub``."""
    actions = (
        ("show", "each topic's most probable words"),
        ("infer", "the topics of each text of a file (one a line)"),
        ("knn", "k nearest corpus documents (one a line) of each query (one a line) in topic space"),
    )
    help_ = "topic spaces of gensim LDA models: topics, texts' topics, nearest documents"
    for name, t in command_group(sub, "topics", help_, "topics_command", "ACTION", actions):
        t.add_argument("model", help=MODEL_HELP)
        t.add_argument(
            "--dictionary",
            default=None,
            help="gensim Dictionary in its text format (default: the model's id2word)",
        )
        if name == "show":
            t.add_argument("--words", type=int, default=10, help="words per topic (default 10)")
        elif name == "infer":
            t.add_argument("texts", help="text file, one document per line (- for standard input)")
            t.add_argument("--top", type=int, default=5, help="topics per text (default 5)")
        else:
            t.add_argument("queries", help="text file, one query document per line (- for standard input)")
            t.add_argument("corpus", help="text file, one document per line")
            add_k(t, "nearest documents per query")
            t.add_argument(
                "--measure",
                choices=["hellinger", "jensen_shannon", "symmetric_kl", "cosine"],
                default="hellinger",
                help="distance between topic distributions (default hellinger)",
            )
        if name != "show":
            t.add_argument(
                "--minimum-probability",
                type=float,
                default=None,
                help="gensim's threshold (default: the model's)",
            )
        add_output(t)
        t.set_defaults(func=_cmd_topics)


def _space(args):
    from ..topics import TopicSpace, load_lda

    dictionary = None
    if args.dictionary:
        from gensim.corpora import Dictionary

        dictionary = Dictionary.load_from_text(args.dictionary)
    return TopicSpace(load_lda(args.model), dictionary, init="mean")


def _cmd_topics(args):
    space = _space(args)
    if args.topics_command == "show":
        lines = []
        for topic in range(space.num_topics):
            words = space.lda.show_topic(topic, topn=args.words)
            lines.append(f"topic {topic}: " + " ".join(f"{w}*{p:.3f}" for w, p in words))
    elif args.topics_command == "infer":
        texts = read_lines(args.texts)
        found = space.document_topics(texts, args.minimum_probability) if texts else []
        lines = []
        for no, (text, topics) in enumerate(zip(texts, found)):
            best = sorted(topics, key=lambda tp: (-tp[1], tp[0]))[: args.top]
            lines.append(f"{no}\t" + " ".join(f"{t}:{p:.4f}" for t, p in best) + f"\t{text[:60]}")
    else:
        lines = _knn(args, space)
    with open_text_output(args.output) as out:
        out.writelines(line + "\n" for line in lines)


def _knn(args, space):
    """The lines of ``engine topics knn``: each query's nearest corpus documents."""
    if args.queries == "-" and args.corpus == "-":
        raise EngineError("engine topics knn: the queries and the corpus cannot both be standard input")
    if args.k < 1:
        raise EngineError(f"engine topics knn: --k must be at least 1, got {args.k}")
    queries, corpus = read_lines(args.queries), read_lines(args.corpus)
    if not corpus:
        raise EngineError(f"{args.corpus}: the corpus is empty")
    t = time.perf_counter()
    index = space.index(corpus, args.measure, minimum_probability=args.minimum_probability)
    res = index.knn(queries, k=min(args.k, len(corpus))) if queries else None
    secs = time.perf_counter() - t
    lines = []
    for q, text in enumerate(queries):
        lines.append(f"query {q}: {text}")
        for r, (i, dist) in enumerate(zip(res.indices[q], res.distances[q]), 1):
            lines.append(f"  {r}\t{int(i)}\t{dist:.6f}\t{corpus[i][:80]}")
    lines.append(f"{len(queries)} queries over {len(corpus)} documents in {secs:.3f}s ({args.measure})")
    return lines
