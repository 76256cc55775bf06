"""The autocorrelation check: does a series' past tell anything about its future?

Autoregressive models learn p(x_t | x_<t); they only help when a series is tied to
its own delayed copies. For each series the check computes the ACF and PACF, the
Ljung-Box test (Ljung & Box, 1978) over Hyndman's lag rule (10 lags, or two seasons
for seasonal data, at most a fifth of the series), the seasonal period visible in
the ACF of the differenced series, and the augmented Dickey-Fuller test for a unit
root; then it says in plain words whether autoregressive models have something to
learn.

Images get the spatial version (``check_images``): the correlation of each pixel with
its left and its upper neighbour, against the same correlations after the pixels of
each image are shuffled (a baseline with the same values and no structure). Pixel
models (PixelCNN, PixelRNN) predict each pixel from the ones before it, so they need
neighbours that tell something.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np

from forecastgen.data import as_series_set
from forecastgen.errors import InputError

ALPHA = 0.05


@dataclass
class AutocorrelationReport:
    """The autocorrelation check of one series."""

    id: str
    length: int
    calendar_period: int
    detected_period: int | None
    lags: int
    ljung_box_stat: float
    ljung_box_pvalue: float
    acf: list[float]
    pacf: list[float]
    significance_bound: float
    significant_lags: list[int]
    adf_stat: float | None
    adf_pvalue: float | None
    stationary: bool | None
    has_autocorrelation: bool
    verdict: str

    def to_dict(self) -> dict:
        return asdict(self)


def check(data, alpha: float = ALPHA) -> list[AutocorrelationReport]:
    """Run the autocorrelation check on every series of ``data`` (any input read_series takes)."""
    data = as_series_set(data)
    return [check_series(key, data[key].to_numpy(dtype=float), data.freq.season, alpha)
            for key in data.ids]


def check_series(key: str, y: np.ndarray, calendar_period: int,
                 alpha: float = ALPHA) -> AutocorrelationReport:
    """The autocorrelation check of one series of values ``y``."""
    if np.ptp(y) == 0:
        return _constant_report(key, y, calendar_period)
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.tsa.stattools import acf, adfuller, pacf

    n = len(y)
    seasonal = calendar_period > 1 and n >= 2 * calendar_period
    lags = max(1, min(2 * calendar_period if seasonal else 10, n // 5))
    shown = max(1, min(max(2 * calendar_period, 12), n // 2 - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        correlations = acf(y, nlags=shown, fft=True)[1:]
        partial = pacf(y, nlags=shown, method="ywm")[1:] if n > 2 * shown + 1 else np.array([])
        test = acorr_ljungbox(y, lags=[lags], return_df=True).iloc[0]
        adf = adfuller(y, autolag="AIC") if n >= 12 else None
    bound = 1.96 / np.sqrt(n)
    statistic, pvalue = float(test["lb_stat"]), float(test["lb_pvalue"])
    has_autocorrelation = pvalue < alpha
    report = AutocorrelationReport(
        id=key, length=n, calendar_period=calendar_period,
        detected_period=detect_period(y, max(3 * calendar_period, 40)),
        lags=lags, ljung_box_stat=statistic, ljung_box_pvalue=pvalue,
        acf=_rounded(correlations), pacf=_rounded(partial), significance_bound=round(bound, 4),
        significant_lags=[i + 1 for i, r in enumerate(correlations) if abs(r) > bound],
        adf_stat=float(adf[0]) if adf else None, adf_pvalue=float(adf[1]) if adf else None,
        stationary=bool(adf[1] < alpha) if adf else None,
        has_autocorrelation=has_autocorrelation, verdict="",
    )
    report.verdict = _verdict(report)
    return report


def detect_period(y: np.ndarray, max_lag: int) -> int | None:
    """The lag of the highest significant ACF peak of the differenced series, if any."""
    from statsmodels.tsa.stattools import acf

    differenced = np.diff(y)
    max_lag = min(max_lag, len(differenced) // 2 - 1)
    if max_lag < 3 or np.ptp(differenced) == 0:
        return None
    correlations = acf(differenced, nlags=max_lag, fft=True)
    bound = 1.96 / np.sqrt(len(differenced))
    peaks = [lag for lag in range(2, max_lag)
             if correlations[lag] > bound and correlations[lag] >= correlations[lag - 1]
             and correlations[lag] >= correlations[lag + 1]]
    return max(peaks, key=lambda lag: correlations[lag]) if peaks else None


def _verdict(report: AutocorrelationReport) -> str:
    p = p_text(report.ljung_box_pvalue)
    lag1 = report.acf[0] if report.acf else float("nan")
    if report.has_autocorrelation:
        text = (f"Yes: the series is autocorrelated (Ljung-Box Q = {report.ljung_box_stat:.1f} "
                f"over {report.lags} lags, {p}; lag-1 autocorrelation {lag1:.2f}). Its past "
                "predicts its future, which is what autoregressive models learn from.")
    else:
        text = (f"No: no significant autocorrelation (Ljung-Box {p} over {report.lags} lags; "
                f"lag-1 autocorrelation {lag1:.2f}). The series behaves like white noise, so "
                "autoregressive models have nothing to learn from its past; a mean or "
                "seasonal-naive forecast is as good.")
    if report.detected_period and report.detected_period > 1:
        text += f" The ACF repeats every {report.detected_period} steps"
        text += (" (the calendar's season)." if report.detected_period == report.calendar_period
                 else f" (the calendar suggests {report.calendar_period}).")
    if report.stationary is False:
        text += (f" It has a trend or unit root (ADF {p_text(report.adf_pvalue)}): models "
                 "should difference or scale it.")
    return text


def _constant_report(key: str, y: np.ndarray, calendar_period: int) -> AutocorrelationReport:
    return AutocorrelationReport(
        id=key, length=len(y), calendar_period=calendar_period, detected_period=None, lags=0,
        ljung_box_stat=0.0, ljung_box_pvalue=1.0, acf=[], pacf=[], significance_bound=0.0,
        significant_lags=[], adf_stat=None, adf_pvalue=None, stationary=None,
        has_autocorrelation=False,
        verdict=(f"No: the series is constant ({y[0]:g}); there is nothing to learn and its "
                 "forecast is that value."))


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _rounded(values) -> list[float]:
    return [round(float(v), 4) for v in values]



# -- images ----------------------------------------------------------------------------------
SPATIAL_MARGIN = 0.1  # the least neighbour correlation above the shuffled baseline that counts
SHUFFLES = 5
MAX_CHECKED_IMAGES = 2000


@dataclass
class SpatialReport:
    """The spatial autocorrelation check of a set of images."""

    images: int
    left_correlation: float
    upper_correlation: float
    shuffled_correlation: float
    shuffled_spread: float
    has_structure: bool
    verdict: str

    def to_dict(self) -> dict:
        return asdict(self)


def check_images(images, seed: int = 0) -> SpatialReport:
    """Are neighbouring pixels correlated? ``images``: (n, channels, height, width), any scale."""
    data = np.asarray(getattr(images, "images", images), dtype=np.float64)
    if data.ndim != 4 or min(data.shape[2:]) < 2:
        raise InputError(f"the spatial check needs images (n, channels, height, width) of at least "
                         f"2x2 pixels, not shape {data.shape}")
    rng = np.random.default_rng(seed)
    if len(data) > MAX_CHECKED_IMAGES:
        data = data[rng.choice(len(data), MAX_CHECKED_IMAGES, replace=False)]
    left, upper = _neighbour_correlations(data)
    shuffled = [np.mean(_neighbour_correlations(_shuffle_pixels(data, rng))) for _ in range(SHUFFLES)]
    baseline, spread = float(np.mean(shuffled)), float(np.std(shuffled))
    observed = min(left, upper)
    has_structure = bool(observed > baseline + max(SPATIAL_MARGIN, 4 * spread))
    if has_structure:
        verdict = (f"Yes: neighbouring pixels are correlated (left {left:.2f}, upper {upper:.2f}, "
                   f"against {baseline:.2f} with the pixels shuffled). Each pixel tells about the "
                   "next, which is what pixel models learn from.")
    else:
        verdict = (f"No: neighbouring pixels are hardly correlated (left {left:.2f}, upper "
                   f"{upper:.2f}, against {baseline:.2f} +- {spread:.2f} with the pixels shuffled). "
                   "The images have no spatial structure for a pixel model to learn; a model of "
                   "independent pixels (gmm with diag covariances) is as good.")
    return SpatialReport(len(data), left, upper, baseline, spread, has_structure, verdict)


def _neighbour_correlations(images: np.ndarray) -> tuple[float, float]:
    """Pearson correlation of pixels with their left and their upper neighbours (0 if constant)."""
    return (_correlation(images[..., :, 1:], images[..., :, :-1]),
            _correlation(images[..., 1:, :], images[..., :-1, :]))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


def _shuffle_pixels(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n, channels, height, width = images.shape
    flat = images.reshape(n, channels, height * width)
    order = rng.permuted(np.tile(np.arange(height * width), (n, 1)), axis=1)
    return np.take_along_axis(flat, order[:, None, :], axis=2).reshape(images.shape)
