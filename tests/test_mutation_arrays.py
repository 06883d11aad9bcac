"""Arrays on their way into a kernel, written to kill the mutation pass's survivors
(docs/evidence.md): what ``as_array``/``as_matrix`` say when they refuse, and what
``finite=False`` promises."""

import re

import numpy as np
import pytest

from engine._kernels import as_array, as_matrix
from engine.errors import ShapeError


def _refused(message, fn, *args, **kwargs):
    with pytest.raises(ShapeError, match="^" + re.escape(message)):
        fn(*args, **kwargs)


def test_a_refusal_names_the_argument_and_the_dtype_wanted():
    _refused("vectors: cannot be read as a float32 array (", as_matrix, [["a", "b"]], "vectors")
    _refused("ids: cannot be read as a int64 array (", as_array, [[1], [2, 3]], "ids", np.int64, 1)
    _refused("array: expected a 2-D array, got shape (2,)", as_matrix, [1.0, 2.0])  # the default name


def test_finite_false_keeps_nan_and_inf_as_given():
    x = np.array([[np.nan, 1.0], [np.inf, -np.inf]], dtype=np.float32)
    assert as_matrix(x, "scores", finite=False) is x  # neither checked nor copied
    _refused("scores: contains NaN or Inf (first at row 0, column 0)", as_matrix, x, "scores")


def test_the_first_bad_value_is_named_in_row_major_order_across_blocks():
    # 3 rows of 2**19 values: the check reads blocks of 2 rows; the first bad value of the
    # matrix is found whatever the block size, by row then by column
    x = np.zeros((3, 1 << 19), dtype=np.float32)
    x[2, 7] = np.nan
    x[1, 9] = np.inf
    _refused("x: contains NaN or Inf (first at row 1, column 9)", as_matrix, x, "x")
    x[1, 9] = 0
    _refused("x: contains NaN or Inf (first at row 2, column 7)", as_matrix, x, "x")


def test_every_row_of_a_tall_matrix_is_checked():
    # one column: blocks of 2**20 rows, so the bad row is in the second block
    x = np.zeros(((1 << 20) + 5, 1), dtype=np.float32)
    x[-1, 0] = -np.inf
    _refused("x: contains NaN or Inf (first at row 1048580, column 0)", as_matrix, x, "x")
