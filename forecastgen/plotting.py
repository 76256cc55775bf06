"""Plots of forecasts (history, median, and the 80% and 95% predictive bands), of
cross-validation forecasts against what happened, of the autocorrelation check, and of sampled
windows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecastgen.atomic import atomic_path

MAX_PANELS = 12


def plain(text: str) -> str:
    """``text`` shown as written: a series id like ``$\\frac{1}{$`` is not matplotlib mathtext."""
    return text.replace("$", r"\$")


def plot_forecast(forecast, path=None, *, ids=None, history_points=None):
    ids = list(ids or forecast.ids)[:MAX_PANELS]
    figure, axes = panel_grid(len(ids))
    for axis, key in zip(axes.flat, ids):
        _plot_one(axis, forecast, key, history_points)
    title = f"{forecast.model} forecast" if forecast.model else "forecast"
    return finish_panels(figure, axes, ids, f"{title}, {forecast.num_samples} sample paths", path)


def panel_grid(count: int):
    """A figure of ``count`` panels, one column for one series and two for more (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 1 if count == 1 else 2
    rows = math.ceil(count / columns)
    return plt.subplots(rows, columns, figsize=(10 if columns == 1 else 13, 3.6 * rows), squeeze=False)


def finish_panels(figure, axes, ids: list, title: str, path=None):
    """The legend on the first panel, unused panels hidden, ``title`` above the panels (beside the
    series' name for one series), and the figure written to ``path`` when given."""
    axes.flat[0].legend(loc="upper left", fontsize=8)
    for axis in list(axes.flat)[len(ids):]:
        axis.set_visible(False)
    if len(ids) == 1:
        axes.flat[0].set_title(plain(f"{ids[0]}: {title}"))
        figure.tight_layout()
    else:
        figure.suptitle(title)
        figure.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (3.6 * axes.shape[0])))
    return save(figure, path)


def save(figure, path=None, dpi: int = 110):
    """Write ``figure`` as a PNG to ``path`` atomically (nothing when ``path`` is None)."""
    if path is not None:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=dpi, format="png")
    return figure


def _plot_one(axis, forecast, key, history_points):
    paths = forecast.samples[key]
    future = forecast.index[key]
    history = forecast.history.get(key)
    if history is not None:
        shown = history if history_points is None else history.iloc[-history_points:]
        axis.plot(shown.index, shown.to_numpy(), color="black", linewidth=1.2, label="history")
    bands = {0.95: 0.18, 0.8: 0.35}
    for level, alpha in bands.items():
        low, high = np.quantile(paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
        axis.fill_between(future, low, high, color="tab:blue", alpha=alpha, linewidth=0,
                          label=f"{level:.0%} interval")
    axis.plot(future, np.median(paths, axis=0), color="tab:blue", linewidth=1.6, label="median")
    axis.set_title(plain(str(key)))
    axis.grid(alpha=0.3)


def plot_cross_validation(forecasts, data, path=None, *, history_points: int | None = None):
    """Each cutoff's forecast (median and the band between its lowest and highest quantiles)
    over the series it forecast (black), one panel per series (up to 12), a dotted line at
    each cutoff. ``forecasts``: the frame of ``forecastgen.cross_validation``; ``data``: the
    series (a SeriesSet)."""
    ids = list(dict.fromkeys(forecasts["id"]))[:MAX_PANELS]
    levels = sorted((column for column in forecasts.columns if _quantile_level(column) is not None),
                    key=_quantile_level)
    figure, axes = panel_grid(len(ids))
    for axis, key in zip(axes.flat, ids):
        own = forecasts[forecasts["id"] == key]
        series = data[key]
        if history_points is None:  # from two horizons before the first cutoff: the forecasts show
            first = int(series.index.searchsorted(own["cutoff"].min()))
            series = series.iloc[max(0, first - 2 * int(own.groupby("cutoff").size().max())):]
        else:
            series = series.iloc[-history_points:]
        axis.plot(series.index, series.to_numpy(), color="black", linewidth=1.2, label="actual")
        for number, (cutoff, part) in enumerate(own.groupby("cutoff")):
            color = f"C{(number + 1) % 10}"  # the default colour cycle (tab10), black left to the actual
            if len(levels) >= 2:
                axis.fill_between(part["timestamp"], part[levels[0]], part[levels[-1]], color=color,
                                  alpha=0.2, linewidth=0)
            median = part["q50"] if "q50" in part else part["mean"]
            axis.plot(part["timestamp"], median, color=color, linewidth=1.5,
                      label=f"from {pd.Timestamp(cutoff).date() if _is_date(cutoff) else cutoff}")
            axis.axvline(cutoff, color=color, linestyle=":", linewidth=1)
        axis.set_title(plain(str(key)))
        axis.grid(alpha=0.3)
    band = f"{levels[0]}-{levels[-1]} band" if len(levels) >= 2 else "no band"
    title = f"forecasts from {forecasts['cutoff'].nunique()} cutoffs (median, {band}) against what happened"
    return finish_panels(figure, axes, ids, title, path)


def _quantile_level(column: str) -> float | None:
    """The level of a quantile column ("q10" -> 10.0, "q2.5" -> 2.5), None for another column."""
    try:
        return float(column[1:]) if column.startswith("q") else None
    except ValueError:
        return None


def _is_date(value) -> bool:
    return isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year")


def plot_autocorrelation(reports, path=None):
    """ACF and PACF bars with the significance bound, one row per series (up to 12)."""
    import matplotlib

    from forecastgen.diagnostics import p_text

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reports = [r for r in reports if r.acf][:MAX_PANELS]
    figure, axes = plt.subplots(max(len(reports), 1), 2, figsize=(12, 2.8 * max(len(reports), 1)),
                                squeeze=False)
    for row, report in zip(axes, reports):
        for axis, values, label in ((row[0], report.acf, "ACF"), (row[1], report.pacf, "PACF")):
            lags = np.arange(1, len(values) + 1)
            colors = ["tab:blue" if abs(v) > report.significance_bound else "tab:gray" for v in values]
            axis.bar(lags, values, color=colors, width=0.6)
            axis.axhspan(-report.significance_bound, report.significance_bound, color="tab:gray",
                         alpha=0.15, linewidth=0)
            axis.axhline(0, color="black", linewidth=0.8)
            ljung_box = f" (Ljung-Box {p_text(report.ljung_box_pvalue)})" if label == "ACF" else ""
            axis.set_title(plain(f"{report.id}: {label}") + ljung_box)
            axis.set_xlabel("lag")
            axis.grid(alpha=0.3)
    figure.tight_layout()
    return save(figure, path)


def plot_windows(windows, path=None):
    """The first sixteen windows (n, length[, channels]) in a 4 x 4 grid, one line per channel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    windows = np.asarray(windows)
    windows = windows.reshape(len(windows), windows.shape[1], -1)[:16]
    figure, axes = plt.subplots(4, 4, figsize=(10, 7), sharex=True)
    for axis, window in zip(axes.ravel(), windows):
        axis.plot(window)
    for axis in axes.ravel()[len(windows):]:
        axis.axis("off")
    figure.suptitle(f"{len(windows)} sampled windows")
    figure.tight_layout()
    return save(figure, path, dpi=100)
