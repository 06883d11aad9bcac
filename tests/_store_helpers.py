"""A store as engine wrote it before the vocabulary index (format version 1)."""

import json
import os

from engine import _vocab


def as_version1(d):
    """Turn the version 2 store ``d`` into the version 1 directory the same vectors made then:
    no index files, ``meta.json`` without ``vocab_index`` and with version 1 (``vocab.txt`` and
    the arrays were already written the same way). Returns ``d``."""
    for name in _vocab.FILES:
        os.remove(os.path.join(d, name))
    meta_path = os.path.join(d, "meta.json")
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    del meta["vocab_index"]
    meta["version"] = 1
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return d
