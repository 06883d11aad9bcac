"""``engine topics show|infer|knn``: a gensim LDA model's topics, texts' topics, nearest documents."""

import time

from ._common import command_group, read_lines

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
            t.add_argument("texts", help="text file, one document per line")
            t.add_argument("--top", type=int, default=5, help="topics per text (default 5)")
        else:
            t.add_argument("queries", help="text file, one query document per line")
            t.add_argument("corpus", help="text file, one document per line")
            t.add_argument("-k", type=int, default=10, help="how many nearest documents (default 10)")
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
        for topic in range(space.num_topics):
            words = space.lda.show_topic(topic, topn=args.words)
            print(f"topic {topic}: " + " ".join(f"{w}*{p:.3f}" for w, p in words))
        return
    if args.topics_command == "infer":
        texts = read_lines(args.texts)
        for no, (text, topics) in enumerate(
            zip(texts, space.document_topics(texts, args.minimum_probability))
        ):
            best = sorted(topics, key=lambda tp: (-tp[1], tp[0]))[: args.top]
            print(f"{no}\t" + " ".join(f"{t}:{p:.4f}" for t, p in best) + f"\t{text[:60]}")
        return
    queries, corpus = read_lines(args.queries), read_lines(args.corpus)
    t = time.perf_counter()
    index = space.index(corpus, args.measure, minimum_probability=args.minimum_probability)
    res = index.knn(queries, k=min(args.k, len(corpus)))
    secs = time.perf_counter() - t
    for q, text in enumerate(queries):
        print(f"query {q}: {text}")
        for r, (i, dist) in enumerate(zip(res.indices[q], res.distances[q]), 1):
            print(f"  {r}\t{int(i)}\t{dist:.6f}\t{corpus[i][:80]}")
    print(f"{len(queries)} queries over {len(corpus)} documents in {secs:.3f}s ({args.measure})")
