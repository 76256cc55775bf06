from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def airline():
    from forecastgen import read_series

    return read_series(ROOT / "examples" / "data" / "airline.csv")


@pytest.fixture
def white_noise():
    rng = np.random.default_rng(11)
    index = pd.date_range("2000-01-01", periods=300, freq="D")
    return pd.Series(rng.normal(size=300), index=index, name="noise")


@pytest.fixture
def ar1():
    rng = np.random.default_rng(12)
    values = np.zeros(300)
    for t in range(1, 300):
        values[t] = 0.8 * values[t - 1] + rng.normal()
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=300, freq="D"), name="ar1")
