"""Malformed and awkward CSVs through the real CLI: each ends in a finite forecast (with
a note where something was repaired) or in a one-line error that names the file and
the problem, exit code 2, and no output file."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecastgen.cli import cli

CORPUS = Path(__file__).parent / "corpus"

# file -> (expected series count, a note that must appear, or None)
FORECASTS = {
    "bom_crlf.csv": (1, None),
    "business_days.csv": (1, None),
    "compact_dates.csv": (1, None),
    "constant.csv": (1, "is constant (5)"),
    "decimal_commas.csv": (1, "decimal commas"),
    "duplicate_rows.csv": (1, "repeat an earlier row exactly"),
    "gzipped.csv.gz": (1, None),
    "hourly.csv": (1, None),
    "integer_index.csv": (1, None),
    "latin1.csv": (1, "Latin-1"),
    "long.csv": (2, None),
    "long_gap.csv": (1, "too long to interpolate: using the 80 values after it"),
    "long_interleaved.csv": (2, None),
    "missing_at_end.csv": (1, "dropped 3 empty value(s) at the end"),
    "missing_at_start.csv": (1, None),
    "missing_short_gaps.csv": (1, "filled 3 missing value(s)"),
    "na_tokens.csv": (1, "filled 2 missing value(s)"),
    "negative_values.csv": (1, None),
    "no_header.csv": (1, "no header row"),
    "quarter_ends.csv": (1, None),
    "semicolons.csv": (1, "separated by semicolons"),
    "single_column.csv": (1, "consecutive steps"),
    "tabs.csv": (1, "separated by tabs"),
    "thousands.csv": (1, "thousands separators"),
    "timezone.csv": (1, "time zone"),
    "trailing_blank_lines.csv": (1, None),
    "unsorted.csv": (1, "sorted them by time"),
    "weekly.csv": (1, None),
    "whitespace.csv": (1, None),
    "wide.csv": (3, None),
    "wide_different_starts.csv": (2, None),
    "years.csv": (1, "read as years"),
}

# file -> words the one-line error must contain
ERRORS = {
    "all_missing.csv": "no numeric value column",
    "bad_date.csv": "line 5: 'not-a-date'",
    "binary.csv": "binary file",
    "currency.csv": "line 2: column 'value' has the non-numeric value '$112'",
    "dates_as_target.csv": "holds dates, not numbers",
    "duplicate_conflict.csv": "more than once with different values (first: 1950-08-01 on lines 21, 22)",
    "empty.csv": "the file is empty",
    "empty_timestamp.csv": "line 9: the time column 'timestamp' is empty",
    "excel_renamed.csv": "Excel workbook",
    "header_only.csv": "no data rows",
    "infinite.csv": "line 14: column 'value' has an infinite value",
    "irregular_spacing.csv": "1950-09-15 is not on the monthly grid",
    "long_ambiguous_value.csv": "choose one with --value-col",
    "missing_too_many.csv": "19 of 48 values are missing",
    "non_numeric.csv": "line 7: column 'value' has the non-numeric value 'abc'",
    "ragged_row.csv": "malformed CSV: Expected 2 fields in line 7, saw 3",
    "short_for_horizon.csv": "has 10 points, fewer than the horizon 18",
    "text_only.csv": "no numeric value column",
    "too_short.csv": "only 2 observation(s)",
    "unclosed_quote.csv": "a quote is not closed",
}


def test_corpus_is_complete():
    on_disk = {p.name for p in CORPUS.iterdir()}
    assert on_disk == set(FORECASTS) | set(ERRORS)
    assert len(on_disk) >= 30


# the data layer is under test here, so the fastest models do the forecasting
MODELS = {
    "snaive": ["-m", "snaive"],
    "rnn": ["-m", "rnn", "--force", "--device", "cpu", "-p", "hidden_size=4", "-p", "num_layers=1",
            "-p", "max_epochs=1", "-p", "batches_per_epoch=2"],
}


def run(path: Path, output: Path, *extra: str, model: str = "snaive"):
    arguments = ["predict", str(path), "-o", str(output), "-n", "50", *MODELS[model], *extra]
    result = CliRunner().invoke(cli, arguments,
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("name", sorted(FORECASTS))
def test_awkward_file_forecasts(name, model, tmp_path):
    series_count, note = FORECASTS[name]
    output = tmp_path / "forecast.csv"
    code, stdout, stderr = run(CORPUS / name, output, "--horizon", "6", model=model)
    assert code == 0, stderr
    assert stdout == ""
    table = pd.read_csv(output)
    assert list(table.columns) == ["id", "timestamp", "mean", "q10", "q50", "q90"]
    assert table["id"].nunique() == series_count
    assert len(table) == 6 * series_count
    values = table[["mean", "q10", "q50", "q90"]].to_numpy()
    assert np.isfinite(values).all()
    assert (table["q10"] <= table["q50"]).all() and (table["q50"] <= table["q90"]).all()
    if note and model == "snaive":
        assert note in stderr


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_file_gives_one_line_error(name, tmp_path):
    output = tmp_path / "forecast.csv"
    code, stdout, stderr = run(CORPUS / name, output)
    assert code == 2
    assert stdout == ""
    errors = [line for line in stderr.splitlines() if not line.startswith("note:")]
    assert len(errors) == 1, stderr
    assert errors[0].startswith(f"error: {CORPUS / name}: ")
    assert ERRORS[name] in errors[0]
    assert "Traceback" not in stderr
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []
