"""The kernel dispatch paths as a pytest fixture: a test that takes ``kernel_path`` runs once per
path this machine supports, with engine._kernels switched to it (``ENGINE_KERNELS`` set: that
path only, as a run of the tests with a forced path wants)."""

import os

import pytest

from engine import _kernels

PATHS = (os.environ["ENGINE_KERNELS"],) if os.environ.get("ENGINE_KERNELS") else _kernels.supported_paths()


@pytest.fixture(params=PATHS)
def kernel_path(request):
    """The name of the path the test runs on."""
    with _kernels.using_path(request.param):
        yield request.param
