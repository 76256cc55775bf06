"""The autocorrelation check on series with and without autocorrelation."""

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen import check
from forecastgen.diagnostics import detect_period


def test_white_noise_has_no_autocorrelation(white_noise):
    report = check(white_noise)[0]
    assert not report.has_autocorrelation
    assert report.ljung_box_pvalue > 0.05
    assert report.lags == 14  # two weekly seasons for daily data
    assert report.verdict.startswith("No: no significant autocorrelation")
    assert report.stationary is True


def test_ar1_is_autocorrelated(ar1):
    report = check(ar1)[0]
    assert report.has_autocorrelation and report.ljung_box_pvalue < 1e-10
    assert abs(report.acf[0] - 0.8) < 0.1
    assert abs(report.pacf[0] - 0.8) < 0.1 and abs(report.pacf[1]) < 0.15
    assert report.verdict.startswith("Yes: the series is autocorrelated")


def test_airline_season_and_trend(airline):
    report = check(airline)[0]
    assert report.detected_period == 12 and report.calendar_period == 12
    assert report.stationary is False
    assert "repeats every 12 steps (the calendar's season)" in report.verdict
    assert "trend or unit root" in report.verdict


def test_constant_series_gets_a_plain_verdict():
    series = pd.Series(3.0, index=pd.date_range("2020", periods=30, freq="D"))
    report = check(series)[0]
    assert not report.has_autocorrelation and "constant" in report.verdict


def test_detect_period_finds_a_hidden_cycle():
    rng = np.random.default_rng(3)
    t = np.arange(400)
    y = np.sin(2 * np.pi * t / 9) + 0.3 * rng.normal(size=400)
    assert detect_period(y, 40) == 9


def test_spatial_check_tells_structured_images_from_shuffled_ones():
    from forecastgen.diagnostics import check_images
    from forecastgen.testing import example_images

    shapes = example_images(count=200)
    report = check_images(shapes)
    assert report.has_structure and report.left_correlation > 0.4 and report.upper_correlation > 0.4
    assert abs(report.shuffled_correlation) < 0.1 and "Yes" in report.verdict
    rng = np.random.default_rng(0)
    shuffled = rng.permuted(shapes.reshape(200, -1), axis=1).reshape(shapes.shape)
    flat = check_images(shuffled)
    assert not flat.has_structure and flat.verdict.startswith("No") and "gmm" in flat.verdict
    assert not check_images(np.ones((10, 1, 4, 4))).has_structure  # constant: nothing to learn
    with pytest.raises(forecastgen.InputError, match="at least 2x2"):
        check_images(np.zeros((10, 1, 1, 5)))
