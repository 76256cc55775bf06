"""The data layer: frequency inference, grids, layouts and repairs on real series."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecastgen import as_series_set, read_series
from forecastgen.data import infer_frequency, parse_frequency
from forecastgen.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.mark.parametrize("stamps, name, alias, season", [
    (pd.date_range("2000-01-01", periods=30, freq="MS"), "monthly", "MS", 12),
    (pd.date_range("2000-01-31", periods=30, freq="ME"), "monthly", "ME", 12),
    (pd.date_range("2000-03-31", periods=20, freq="QE"), "quarterly", "QE", 4),
    (pd.date_range("1950-01-01", periods=20, freq="YS"), "yearly", "YS", 1),
    (pd.date_range("2020-01-03", periods=20, freq="W-FRI"), "weekly", "W", 52),
    (pd.date_range("2020-01-01", periods=40, freq="D"), "daily", "D", 7),
    (pd.bdate_range("2020-01-01", periods=40), "business-daily", "B", 5),
    (pd.date_range("2020-01-01", periods=100, freq="h"), "hourly", "h", 24),
    (pd.date_range("2020-01-01", periods=200, freq="15min"), "every 15min", "15min", 96),
])
def test_infer_frequency(stamps, name, alias, season):
    frequency = infer_frequency(pd.DatetimeIndex(stamps))
    assert (frequency.name, frequency.alias, frequency.season) == (name, alias, season)
    positions = frequency.positions(pd.DatetimeIndex(stamps))
    assert positions.tolist() == list(range(len(stamps)))


def test_future_timestamps_continue_each_grid():
    month_ends = pd.date_range("2000-01-31", periods=13, freq="ME")
    frequency = infer_frequency(month_ends)
    assert [str(d.date()) for d in frequency.future(month_ends, 3)] == [
        "2001-02-28", "2001-03-31", "2001-04-30"]
    business = pd.bdate_range("2024-01-01", "2024-01-12")
    future = infer_frequency(business).future(business, 3)
    assert [str(d.date()) for d in future] == ["2024-01-15", "2024-01-16", "2024-01-17"]
    steps = pd.Index([0, 2, 4, 6])
    assert list(infer_frequency(steps).future(steps, 2)) == [8, 10]


def test_each_series_future_follows_its_own_end_when_many_share_dates():
    frame = pd.DataFrame({"id": ["a"] * 5 + ["b"] * 5 + ["c"] * 3,
                          "timestamp": [*pd.date_range("2020-01", periods=5, freq="MS")] * 2
                          + [*pd.date_range("2020-03", periods=3, freq="MS")],
                          "value": np.arange(13.0)})
    data = as_series_set(frame)
    assert data.future_index("a", 2).equals(data.future_index("b", 2))
    assert [str(d.date()) for d in data.future_index("b", 2)] == ["2020-06-01", "2020-07-01"]
    assert [str(d.date()) for d in data.future_index("c", 3)] == ["2020-06-01", "2020-07-01", "2020-08-01"]
    assert len(data.future_index("a", 4)) == 4


def test_parse_frequency_names_and_aliases():
    stamps = pd.date_range("2000-01-01", periods=8, freq="MS")
    assert parse_frequency("monthly", stamps).name == "monthly"
    assert parse_frequency("MS", stamps).anchor == "start"
    assert parse_frequency("QE", stamps).anchor == "end"
    integer = parse_frequency("quarterly", pd.Index(range(10)))
    assert (integer.grid, integer.season, integer.default_horizon) == ("steps", 4, 8)
    with pytest.raises(InputError, match="unknown frequency"):
        parse_frequency("sometimes", stamps)


def test_old_pandas_aliases_parse_without_pandas_deprecation_notices():
    stamps = pd.date_range("2000-01-01", periods=96, freq="15min")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quarter_hours = parse_frequency("15T", stamps)
        with pytest.raises(InputError, match="unknown frequency"):
            parse_frequency("sometimes", stamps)
    assert (quarter_hours.name, quarter_hours.season) == ("every 15min", 96)


# examples/data (its README says where each comes from): file -> frequency, ids, length of each
EXAMPLE_SERIES = {"airline": ("monthly", ["airline"], 144), "sunspots": ("yearly", ["sunspots"], 309),
                  "co2": ("weekly", ["co2"], 418), "elnino": ("monthly", ["elnino"], 372),
                  "macro": ("quarterly", ["realgdp", "cpi", "unemp"], 203)}


@pytest.mark.parametrize("name", list(EXAMPLE_SERIES))
def test_every_example_series_reads_with_the_right_frequency(name):
    frequency, ids, length = EXAMPLE_SERIES[name]
    data = read_series(EXAMPLES / f"{name}.csv")
    assert (data.freq.name, data.ids, data.notes) == (frequency, ids, [])
    for key in ids:
        assert len(data[key]) == length and np.isfinite(data.values(key)).all()


def test_long_gap_keeps_the_history_after_it(tmp_path):
    stamps = pd.date_range("2020-01-01", periods=400, freq="h")
    temperature = 20 + 3 * np.sin(2 * np.pi * np.arange(400) / 24)
    temperature[100:160] = np.nan  # 60 hours missing: more than a season (24) to interpolate
    path = tmp_path / "water.csv"
    pd.DataFrame({"time": stamps, "temperature": temperature}).to_csv(path, index=False)
    data = read_series(path)
    assert len(data["water"]) == 240 and data["water"].index[0] == stamps[160]
    assert data.notes == ["a gap of 60 missing values from 2020-01-05 04:00:00 is too long to interpolate: "
                          "using the 240 values after it"]


def test_wide_frame_and_named_series_in_pipelines():
    index = pd.date_range("2020-01-01", periods=24, freq="MS")
    wide = pd.DataFrame({"a": np.arange(24.0), "b": np.arange(24.0) * 2}, index=index)
    data = as_series_set(wide)
    assert data.ids == ["a", "b"] and data.freq.name == "monthly"
    named = as_series_set(pd.Series(np.arange(24.0), index=index, name="sales"))
    assert named.ids == ["sales"]
    long = wide.reset_index(names="ds").melt(id_vars="ds", var_name="unique_id", value_name="y")
    assert as_series_set(long).ids == ["a", "b"]


def test_as_series_set_refuses_what_it_cannot_read():
    with pytest.raises(InputError, match="cannot read series from a list"):
        as_series_set([1, 2, 3])


def test_check_horizon_names_the_series():
    data = as_series_set(pd.Series(np.arange(6.0), index=pd.date_range("2020", periods=6, freq="D")))
    with pytest.raises(InputError, match="has 6 points, fewer than the horizon 7"):
        data.check_horizon(7)


def test_a_bad_value_in_a_long_file_names_its_series_and_line(tmp_path):
    import forecastgen

    rows = ["id,date,value"] + [f"a,2020-{m:02d}-01,{m}" for m in range(1, 13)]
    rows += [f"b,2020-{m:02d}-01,{'oops' if m == 5 else m}" for m in range(1, 13)]
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    data = forecastgen.read_series(tmp_path / "long.csv")  # the other series are kept
    assert data.ids == ["a"] and len(data["a"]) == 12
    assert data.skipped == {"b": "line 18 (series 'b'): column 'value' has the non-numeric value 'oops'; "
                                 "fix or remove it"}
    rows[1:13] = [f"a,2020-{m:02d}-01,{'inf' if m > 10 else m}" for m in range(1, 13)]
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(forecastgen.InputError, match=r"line 12 \(series 'a'\): column 'value' has an "
                                                     r"infinite value \(and 1 more such value\)"):
        forecastgen.read_series(tmp_path / "long.csv")  # every series has one: nothing to do


def test_a_long_file_with_one_bad_series_forecasts_the_others_and_exits_3(tmp_path):
    from click.testing import CliRunner

    from forecastgen.cli import cli

    rows = ["id,date,value"]
    for key in "abc":
        rows += [f"{key},2020-{m:02d}-01,{'n/a?' if key == 'b' and m == 7 else m + 10}" for m in range(1, 13)]
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    output = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["predict", str(tmp_path / "long.csv"), "-m", "snaive", "-H", "3",
                                      "-o", str(output)])
    assert result.exit_code == 3
    assert ("series left out: line 20 (series 'b'): column 'value' has the non-numeric value 'n/a?'"
            in result.stderr)
    assert ("1 of 3 series left out for bad values or too short a history (named above); the other 2 "
            "were done") in result.stderr
    assert sorted(pd.read_csv(output)["id"].unique()) == ["a", "c"]


def test_a_series_shorter_than_the_horizon_is_left_out_of_a_long_file_not_the_file(tmp_path):
    from click.testing import CliRunner

    from forecastgen.cli import cli

    rows = ["id,date,value"]
    for key, months in (("a", 12), ("short", 4), ("c", 12)):
        rows += [f"{key},2020-{m:02d}-01,{m + 10}" for m in range(1, months + 1)]
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    output = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["predict", str(tmp_path / "long.csv"), "-m", "snaive", "-H", "6",
                                      "-o", str(output)])
    assert result.exit_code == 3
    assert "series left out: series 'short' has 4 points, fewer than the horizon 6" in result.stderr
    assert sorted(pd.read_csv(output)["id"].unique()) == ["a", "c"]
    (tmp_path / "one.csv").write_text("\n".join(rows[:1] + rows[13:17]) + "\n")  # only the short one
    result = CliRunner().invoke(cli, ["predict", str(tmp_path / "one.csv"), "-m", "snaive", "-H", "6"])
    assert result.exit_code == 2 and "has 4 points, fewer than the horizon 6" in result.stderr


@pytest.mark.parametrize("name", ["monthly", "hourly", "business-daily", "steps"])
def test_a_frequency_survives_its_checkpoint_form_also_as_older_checkpoints_wrote_it(name):
    from forecastgen.data.frequency import Frequency, named
    frequency = named(name)
    assert Frequency.from_dict(frequency.to_dict()) == frequency
    older = {("kind" if key == "grid" else key): value for key, value in frequency.to_dict().items()}
    assert Frequency.from_dict(older) == frequency


def _long_frame(grid_stamps, rng) -> pd.DataFrame:
    """Several series on one grid: clean ones of different starts and lengths, and ones that
    need repairs (shuffled rows, an exact repeat, a short gap, a missing value, a trailing gap)."""
    pieces = []
    for number in range(12):
        start, length = int(rng.integers(0, 6)), int(rng.integers(8, 20))
        stamps = grid_stamps[start:start + length]
        piece = pd.DataFrame({"id": f"s{number}", "timestamp": stamps,
                              "value": rng.normal(10, 1, len(stamps)).round(3)})
        kind = number % 6
        if kind == 1:
            piece = piece.sample(frac=1.0, random_state=number)
        elif kind == 2:
            piece = pd.concat([piece, piece.iloc[[3]]])
        elif kind == 3:
            piece = piece.drop(piece.index[4])
        elif kind == 4:
            piece.loc[piece.index[5], "value"] = np.nan
        elif kind == 5:
            piece.loc[piece.index[-1], "value"] = np.nan
        pieces.append(piece)
    long = pd.concat(pieces, ignore_index=True)
    long["line"] = np.arange(len(long)) + 2
    return long


@pytest.mark.parametrize("grid_stamps, at_once", [
    (pd.date_range("2000-01-01", periods=30, freq="MS"), True),
    (pd.date_range("2000-01-31", periods=30, freq="ME"), True),
    (pd.date_range("2000-01-01", periods=30, freq="MS") + pd.Timedelta(days=14), True),  # own day
    (pd.DatetimeIndex([pd.Timestamp("2000-01-30") + pd.DateOffset(months=k) for k in range(30)]), True),
    (pd.date_range("2000-03-31", periods=30, freq="QE"), True),
    (pd.date_range("2020-01-03", periods=30, freq="W-FRI"), True),
    (pd.date_range("2020-01-01", periods=30, freq="h"), True),
    (pd.bdate_range("2020-01-01", periods=30), True),
    (pd.Index(np.arange(0, 60, 2)), True),
])
def test_many_series_read_at_once_as_one_by_one(grid_stamps, at_once, monkeypatch):
    from forecastgen.data import validate

    grouped = _long_frame(grid_stamps, np.random.default_rng(0))
    interleaved = grouped.sort_values("timestamp", kind="stable")  # the series' rows mixed
    regular_series, simple_groups = validate._regular_series, validate._simple_groups
    for long in (grouped, interleaved):
        fast_notes, slow_notes, built_at_once = [], [], []
        monkeypatch.setattr(validate, "_regular_series",
                            lambda *args, seen=built_at_once: seen.append(1) or regular_series(*args))
        monkeypatch.setattr(validate, "_simple_groups", simple_groups)
        fast, fast_frequency = validate.regularize(long, None, fast_notes)
        assert (len(built_at_once) >= 2) == at_once  # the clean series took the shortcut
        one_by_one = lambda long, codes, starts: np.zeros(len(starts) - 1, bool)  # noqa: E731
        monkeypatch.setattr(validate, "_simple_groups", one_by_one)
        slow, slow_frequency = validate.regularize(long, None, slow_notes)
        assert fast_frequency == slow_frequency
        assert list(fast) == list(slow) and fast_notes == slow_notes and len(fast_notes) >= 4
        for key in slow:
            pd.testing.assert_series_equal(fast[key], slow[key])


def test_a_long_file_parses_each_timestamp_once_and_still_names_a_bad_ones_line(tmp_path):
    months = pd.date_range("2001-01-01", periods=12, freq="MS").strftime("%Y-%m-%d")
    rows = [f"{key},{month},{value}" for key in "abcd" for value, month in enumerate(months)]
    rows[12 + 5] = "b,2001-13-01,5"  # series b's sixth row: the file's line 19 (after the header)
    path = tmp_path / "long.csv"
    path.write_text("id,month,value\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"line 19: '2001-13-01' in the time column 'month' is not a date"):
        read_series(path)
    rows[12 + 5] = "b,2001-06-01,5"
    padded = tmp_path / "padded.csv"
    padded.write_text("id ,month,value\n" + "\n".join(row.replace(",", " ,") + "  " for row in rows) + "\n")
    path.write_text("id,month,value\n" + "\n".join(rows) + "\n")
    clean, spaced = read_series(path), read_series(padded)
    assert clean.ids == spaced.ids == list("abcd")
    for key in clean.ids:
        pd.testing.assert_series_equal(clean[key], spaced[key])


def test_a_line_too_long_for_a_table_is_refused_with_its_line(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("month,value\n2001-01-01,1\n\n2001-02-01,2\n" + "x" * 100_001 + "\n2001-03-01,3\n")
    with pytest.raises(InputError, match=r"line 5 has 100,001 characters, more than any table row needs"):
        read_series(path)


@pytest.mark.parametrize("name, months", [("monthly", 1), ("quarterly", 3), ("yearly", 12)])
def test_dates_anchored_on_a_day_follow_pandas_month_offsets(name, months):
    """A series' own day each month, or the month's last day where the month is shorter."""
    from forecastgen.data.frequency import named

    frequency, steps = named(name, anchor="day"), np.arange(40)
    for origin in map(pd.Timestamp, ["2020-01-31", "2019-11-30 13:45", "2020-02-29", "1850-03-15"]):
        expected = pd.DatetimeIndex([origin + pd.DateOffset(months=int(k) * months) for k in steps])
        assert frequency.at(origin, steps).equals(expected)


def test_a_series_on_the_30th_may_start_on_the_28th_of_february(tmp_path):
    dates = [pd.Timestamp("2021-02-28") + pd.DateOffset(months=k) for k in range(24)]
    dates = [date.replace(day=min(30, date.days_in_month)) for date in dates]
    rows = [f"a,{date:%Y-%m-%d},{10 + k}" for k, date in enumerate(dates)]
    rows += [f"b,{date:%Y-%m-%d},{20 + k}" for k, date in enumerate(dates[1:])]
    path = tmp_path / "on_the_30th.csv"
    path.write_text("id,month,value\n" + "\n".join(rows) + "\n")
    data = read_series(path)
    assert data.freq.name == "monthly" and data.freq.anchor == "day"
    assert list(data.series["a"].index) == dates and list(data.series["b"].index) == dates[1:]
    assert [f"{d:%Y-%m-%d}" for d in data.future_index("a", 3)] == ["2023-02-28", "2023-03-30", "2023-04-30"]


def test_the_old_name_of_the_default_horizon_still_answers_with_a_warning():
    from forecastgen.data.frequency import named

    monthly = named("monthly")
    with pytest.warns(DeprecationWarning, match="renamed default_horizon"):
        assert monthly.horizon == monthly.default_horizon == 18
    assert type(monthly).from_dict(monthly.to_dict()) == monthly  # checkpoints keep the key 'horizon'


def test_read_series_takes_a_frame_as_as_series_set_does_and_refuses_other_objects():
    frame = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=24, freq="MS"),
                          "sales": np.arange(24.0)})
    data = read_series(frame, time_col="month")
    assert data.ids == ["sales"] and data.freq.name == "monthly"
    np.testing.assert_array_equal(data.values("sales"), np.arange(24.0))
    with pytest.raises(InputError, match="cannot read series from a list"):
        read_series([1.0, 2.0, 3.0])
