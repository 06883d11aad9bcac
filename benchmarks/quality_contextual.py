"""Zero- and few-shot quality: the contextual encoder beside static word vectors.

The labelled sets, label names and descriptions are those of ``benchmarks/quality_classify.py``
(gensim's bundled ``mini_newsgroup``, alt.atheism vs sci.space, and ``pang_lee_polarity.cor``,
negative vs positive; 200 texts each, nothing downloaded). Each row runs the same engine call
twice: on the default static vectors (SIF weighting fitted on the Lee corpus) and with
``encoder=engine.ContextualEncoder()`` (the bundled all-MiniLM-L6-v2, which reads at most 256
word pieces of a text). Zero-shot is scored on every text; few-shot by episodes (2-way, k
support + 50 query texts per class, seed 0), mean ± 95% interval, as quality_classify.py does.

    python benchmarks/quality_contextual.py [--episodes N]
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quality_classify import TASKS, newsgroups, polarity  # noqa: E402

import engine  # noqa: E402
from engine.bench import cpu_model  # noqa: E402
from engine.classify import ZeroShotClassifier, _macro_f1, episodes  # noqa: E402


class CachedEncoder:
    """Encodes each distinct text once: every episode call re-embeds the whole set."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.cache = {}

    def encode(self, texts):
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if todo:
            self.cache.update(zip(todo, self.encoder.encode(todo)))
        return np.vstack([self.cache[t] for t in texts])


def evaluate(v, encoder, n_episodes, seed=0):
    rows = {}
    sets = {"newsgroups": newsgroups(), "polarity": polarity()}
    for task, (texts, labels) in sets.items():
        y, spec = np.array(labels, dtype=object), TASKS[task]
        classes = sorted(set(labels))
        top = max(classes, key=labels.count)
        rows.setdefault("majority class", {})[task] = {
            kind: (float(np.mean(y == top)), _macro_f1(y, np.full(len(y), top, dtype=object), classes), None)
            for kind in ("static", "contextual")
        }
        for kind, enc in (("static", None), ("contextual", encoder)):
            for name, label_spec in (
                ("zero-shot, label names", spec["names"]),
                ("zero-shot, descriptions", spec["descriptions"]),
            ):
                pred = ZeroShotClassifier(v, label_spec, encoder=enc).predict(texts).astype(object)
                rows.setdefault(name, {}).setdefault(task, {})[kind] = (
                    float(np.mean(pred == y)),
                    _macro_f1(y, pred, classes),
                    None,
                )
            for prior, tag in ((0.0, "examples only"), (1.0, "+ descriptions")):
                for k in (1, 5, 8):
                    r = episodes(
                        texts,
                        y,
                        n_way=len(classes),
                        k_shot=k,
                        n_query=50,
                        n_episodes=n_episodes,
                        seed=seed,
                        vectors=v if enc is None else None,
                        encoder=enc,
                        label_texts=spec["descriptions"] if prior else None,
                        prior_weight=prior,
                    )
                    rows.setdefault(f"few-shot k={k}, {tag}", {}).setdefault(task, {})[kind] = (
                        r.mean,
                        float(r.macro_f1.mean()),
                        r.ci95,
                    )
    return rows


def table(rows):
    out = [
        "| method | newsgroups: static | newsgroups: contextual | polarity: static | polarity: contextual |",
        "|---|---|---|---|---|",
    ]
    for name, per in rows.items():
        cells = []
        for task in ("newsgroups", "polarity"):
            for kind in ("static", "contextual"):
                acc, f1, ci = per[task][kind]
                ci_text = f" ± {ci:.3f}" if ci is not None else ""
                cells.append(f"{acc:.3f}{ci_text} (F1 {f1:.3f})")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=200)
    args = ap.parse_args(argv)
    cpu = cpu_model()
    t0 = time.perf_counter()
    v = engine.datasets.default_vectors()
    encoder = CachedEncoder(engine.ContextualEncoder())
    rows = evaluate(v, encoder, args.episodes)
    print(f"machine: {cpu}; load average {os.getloadavg()[0]:.1f}; {time.perf_counter() - t0:.0f} s")
    print(
        f"static: default vectors ({len(v)} words × {v.vector_size}), SIF; contextual: "
        f"all-MiniLM-L6-v2 sentence vectors; few-shot: 2-way, 50 queries/class, "
        f"{args.episodes} episodes, seed 0; accuracy (± 95% interval) and macro-F1"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
