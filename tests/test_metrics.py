"""Metrics against closed forms and hand computations."""

import numpy as np
import pytest
from scipy import stats

from forecastgen.metrics import coverage, crps_samples, mase, seasonal_scale, smape


def test_crps_of_gaussian_samples_matches_the_closed_form():
    rng = np.random.default_rng(0)
    samples = rng.normal(2.0, 1.5, size=(20_000, 1))
    observed = np.array([3.1])
    z = (observed - 2.0) / 1.5
    exact = 1.5 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    assert crps_samples(observed, samples) == pytest.approx(exact, rel=0.01)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    samples = np.full((10, 3), 5.0)
    assert crps_samples(np.array([5.0, 7.0, 1.0]), samples) == pytest.approx([0, 2, 4])


def test_crps_matches_the_pairwise_definition():
    rng = np.random.default_rng(1)
    samples = rng.exponential(size=(60, 2))
    actual = np.array([0.4, 2.5])
    pairwise = (np.abs(samples - actual).mean(axis=0)
                - 0.5 * np.abs(samples[:, None, :] - samples[None, :, :]).mean(axis=(0, 1)))
    assert crps_samples(actual, samples) == pytest.approx(pairwise)


def test_mase_smape_and_scale_by_hand():
    history = np.array([1.0, 2.0, 3.0, 5.0, 4.0, 6.0])
    assert seasonal_scale(history, 1) == pytest.approx(np.mean([1, 1, 2, 1, 2]))
    assert seasonal_scale(history, 2) == pytest.approx(np.mean([2, 3, 1, 1]))
    assert seasonal_scale(history, 4) == pytest.approx(seasonal_scale(history, 1))
    assert mase([7.0, 8.0], [6.0, 10.0], history, 1) == pytest.approx(1.5 / 1.4)
    assert smape([100.0, 0.0], [50.0, 0.0]) == pytest.approx(100 * (2 * 50 / 150) / 2)
    assert mase([7.0, np.nan], [6.0, 10.0], history, 1) == pytest.approx(1 / 1.4)


def test_coverage_counts_points_inside_the_central_interval():
    samples = np.tile(np.linspace(0, 100, 101)[:, None], (1, 4))
    assert coverage(np.array([50.0, 5.0, 95.0, 89.0]), samples, 0.8) == 0.5
