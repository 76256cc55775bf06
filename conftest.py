"""Shared by every test folder (the package's and the plugins').

Every test runs torch and BLAS on one thread, as the CLI does for series work: the same numbers
on any machine, and no threads waiting for each other when CI shares its cores."""

import random
import sys

import numpy as np
import pytest

from forecastgen.engine.threads import use_threads

use_threads(1)


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
