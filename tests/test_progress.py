"""Progress on stderr: lines every few seconds off a terminal, naming the work, honest time left."""

import pytest

from forecastgen import progress
from forecastgen.progress import doing, format_seconds, quiet, track


@pytest.fixture
def clock(monkeypatch):
    """A clock that moves only when the test says so."""
    now = [0.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: now[0])
    return now


def steps(count: int, seconds_each: float, clock):
    for step in range(count):
        clock[0] += seconds_each
        yield step


def test_off_a_terminal_a_line_every_ten_seconds_and_a_last_one(clock, capsys):
    assert list(track(steps(30, 1.0, clock), 30, "fitting ets")) == list(range(30))
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["progress: fitting ets: 10/30, 10 s, about 20 s left",
                     "progress: fitting ets: 20/30, 20 s, about 10 s left",
                     "progress: fitting ets: 30/30 done in 30 s"]


def test_short_work_shows_nothing_and_few_slow_steps_still_show(clock, capsys):
    list(track(steps(100, 0.05, clock), 100, "fitting ets"))
    assert capsys.readouterr().err == ""
    list(track(steps(2, 40.0, clock), 3, "training", may_stop_early=True))
    assert capsys.readouterr().err.splitlines() == [
        "progress: training: 1/3, 40 s, at most 1 min 20 s left",
        "progress: training: 2/3, 1 min 20 s, at most 40 s left",
        "progress: training: 2/3 done in 1 min 20 s (stopped early)"]


def test_the_lines_name_the_work_and_quiet_silences_them(clock, capsys):
    with doing("auto"), doing("backtest of rnn"):
        list(track(steps(2, 11.0, clock), 2, "training"))
    first = capsys.readouterr().err.splitlines()[0]
    assert first == "progress: auto: backtest of rnn: training: 1/2, 11 s, about 11 s left"
    with quiet():
        list(track(steps(5, 20.0, clock), 5, "training"))
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_a_bar_redrawn_in_place(clock, capsys, monkeypatch):
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True)
    list(track(steps(4, 1.0, clock), 4, "sampling"))
    err = capsys.readouterr().err
    assert err.startswith("\r\033[K[############------------] sampling: 2/4, 2 s, about 2 s left")
    assert err.endswith("sampling: 4/4 done in 4 s\n")


def test_seconds_read_like_a_clock():
    assert [format_seconds(s) for s in (4.2, 75, 3725)] == ["4 s", "1 min 15 s", "1 h 02 min"]
    # rounding never leaves 60 in the smaller unit
    assert [format_seconds(s) for s in (59.6, 119.6, 7199.0)] == ["1 min 00 s", "2 min 00 s", "2 h 00 min"]
