from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecastgen

ROOT = Path(__file__).resolve().parents[3]
AIRLINE = ROOT / "examples" / "data" / "airline.csv"
TINY = {"hidden_size": 8, "num_layers": 1, "max_epochs": 2, "batches_per_epoch": 3,
        "batch_size": 16, "device": "cpu"}


@pytest.fixture(scope="session")
def airline():
    return forecastgen.read_series(AIRLINE)


@pytest.fixture(scope="session")
def tiny():
    """Settings that train in a blink: the tests check behaviour, not accuracy."""
    return dict(TINY)


@pytest.fixture(scope="session")
def tiny_rnn(airline, tiny):
    return forecastgen.create("rnn", **tiny).fit(airline.drop_last(12))


@pytest.fixture
def noise():
    rng = np.random.default_rng(5)
    return pd.Series(rng.normal(size=200), index=pd.date_range("2020-01-01", periods=200, freq="D"),
                     name="noise")
