"""Parquet in and out, by the file's suffix, beside CSV."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import forecastgen
from forecastgen.cli import cli

pytest.importorskip("pyarrow")
AIRLINE = Path(__file__).parents[1] / "examples" / "data" / "airline.csv"


@pytest.fixture
def stores(tmp_path) -> Path:
    """A long file of three stores' monthly sales, typed columns, as parquet."""
    rng = np.random.default_rng(4)
    months = pd.date_range("2018-01-01", periods=48, freq="MS")
    frame = pd.concat([pd.DataFrame({"store": name, "month": months,
                                     "sales": 100 + 10 * np.sin(np.arange(48) / 12 * 2 * np.pi)
                                     + rng.normal(0, 2, 48)}) for name in ("north", "south", "east")])
    path = tmp_path / "stores.parquet"
    frame.to_parquet(path, index=False)
    frame.to_csv(tmp_path / "stores.csv", index=False)
    return path


def test_a_parquet_file_reads_as_its_csv_twin(stores):
    from_parquet = forecastgen.read_series(stores)
    from_csv = forecastgen.read_series(stores.with_suffix(".csv"))
    assert from_parquet.ids == from_csv.ids == ["north", "south", "east"]
    assert from_parquet.freq.alias == "MS"
    for key in from_csv.ids:
        pd.testing.assert_series_equal(from_parquet[key], from_csv[key], check_names=False)


def test_predict_reads_and_writes_parquet(stores, tmp_path):
    output = tmp_path / "forecast.parquet"
    result = CliRunner().invoke(cli, ["predict", str(stores), "-m", "snaive", "-H", "6", "-o", str(output)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(output)
    assert list(table.columns) == ["id", "timestamp", "mean", "q10", "q50", "q90"]
    assert len(table) == 18 and table["mean"].dtype == float
    assert str(table["timestamp"].iloc[0].date()) == "2022-01-01"
    csv = tmp_path / "forecast.csv"
    CliRunner().invoke(cli, ["predict", str(stores), "-m", "snaive", "-H", "6", "-o", str(csv)])
    np.testing.assert_allclose(pd.read_csv(csv)["q90"], table["q90"], rtol=1e-7)


def test_a_parquet_named_csv_and_a_broken_parquet_are_clear_errors(stores, tmp_path):
    disguised = tmp_path / "data.csv"
    disguised.write_bytes(stores.read_bytes())
    result = CliRunner().invoke(cli, ["predict", str(disguised)])
    assert result.exit_code == 2
    assert "this is a parquet file; name it .parquet to read it as one" in result.output
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(stores.read_bytes()[:200])
    result = CliRunner().invoke(cli, ["predict", str(broken)])
    assert result.exit_code == 2 and "broken.parquet: not a readable parquet file" in result.output
