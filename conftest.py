"""Shared by every test folder (the package's and the plugins')."""

import random
import sys

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def seeded_global_generators():
    """Each test starts from the same state of the global random generators (Python's,
    numpy's, torch's once loaded), so that no test depends on what ran before it in the
    same process: pytest-xdist hands tests to its workers by timing, so that order varies
    from run to run (a GAN test built its players from torch's generator and failed in
    one order)."""
    random.seed(0)
    np.random.seed(0)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)
