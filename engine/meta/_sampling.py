"""Rows of a source as float64, and random samples of rows: what the fills and weights learn from."""

import numpy as np

_MIN_SHARED_FOR_MAP = 20  # fewer shared words than this cannot fit a linear fill map


def _sample(rows, k, rng):
    if rows.size <= k:
        return rows
    return np.sort(rng.choice(rows, size=k, replace=False))


def _rows64(v, rows):
    return np.asarray(v.unit[rows], dtype=np.float64)
