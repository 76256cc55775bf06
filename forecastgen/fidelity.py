"""Synthesis fidelity: how well can generated data be told from real data?

The scores of TimeGAN (Yoon, Jarrett & van der Schaar 2019, "Time-series Generative
Adversarial Networks", NeurIPS), computed the way its published code does, plus two
kernel and autocorrelation distances:

- ``discriminative_score``: a small classifier (a GRU over windows, a small CNN over
  images) learns to tell real from synthetic on 80% of each (the larger set subsampled
  to the smaller's size); |accuracy - 0.5| on the other 20%. 0 means indistinguishable.
- ``predictive_score``: a small GRU trained on synthetic windows to predict the last
  channel one step ahead from the other channels; its mean absolute error on the real
  windows ("train on synthetic, test on real"). Lower is better; compare with the same
  predictor trained on real data.
- ``mmd``: squared maximum mean discrepancy with an RBF kernel whose bandwidth is the
  median distance between items (Gretton et al. 2012, "A kernel two-sample test").
- ``acf_distance``: mean absolute difference between the average autocorrelation of
  real and synthetic windows, per channel and lag.
- ``frechet_distance``: for images, the Frechet distance between Gaussians fitted to
  the penultimate-layer features of a small CNN classifier trained here on the labelled
  training split (``ImageFeatures``; the FID idea of Heusel et al. 2017 without
  downloaded Inception weights). Report it beside the real-versus-real floor.

Windows are arrays (n, length, channels) (or (n, length) for one channel) scaled to
[0, 1] as in TimeGAN; images are 4-D, (n, channels, height, width). Every score is
seeded.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from forecastgen.engine.device import resolve_device
from forecastgen.engine.seeding import seed_everything
from forecastgen.errors import InputError

BATCH = 128


def sines(count: int, length: int = 24, channels: int = 5, seed: int = 0) -> np.ndarray:
    """TimeGAN's Sines: each channel sin(f t + p), f and p uniform in [0, 0.1], scaled to
    [0, 1]; shape (count, length, channels)."""
    rng = np.random.default_rng(seed)
    steps = np.arange(length)[None, :, None]
    frequency = rng.uniform(0, 0.1, size=(count, 1, channels))
    phase = rng.uniform(0, 0.1, size=(count, 1, channels))
    return (np.sin(frequency * steps + phase) + 1) / 2


def discriminative_score(real, synthetic, iterations: int = 2000, seed: int = 0,
                         device: str = "auto") -> float:
    """|accuracy - 0.5| of a post-hoc classifier of real versus synthetic, on a held-out 20%."""
    real, synthetic = _pair(real, synthetic)
    rng = np.random.default_rng(seed)
    size = min(len(real), len(synthetic))  # equal classes, or guessing the larger one scores
    real = real[rng.permutation(len(real))[:size]]
    synthetic = synthetic[rng.permutation(len(synthetic))[:size]]
    real_train, real_test = _split(real, rng)
    synth_train, synth_test = _split(synthetic, rng)
    seed_everything(seed)
    target = resolve_device(device)
    model = (_ImageClassifier(real) if real.ndim == 4 else _WindowClassifier(real)).to(target)
    x = torch.as_tensor(np.concatenate([real_train, synth_train]), dtype=torch.float32, device=target)
    y = torch.cat([torch.ones(len(real_train)), torch.zeros(len(synth_train))]).to(target)
    _train(model, x, y, nn.BCEWithLogitsLoss(), iterations, seed)
    with torch.no_grad():
        test = torch.as_tensor(np.concatenate([real_test, synth_test]), dtype=torch.float32,
                               device=target)
        guesses = (model(test) > 0).float().cpu().numpy()
    truth = np.concatenate([np.ones(len(real_test)), np.zeros(len(synth_test))])
    return float(abs((guesses == truth).mean() - 0.5))


def predictive_score(real, synthetic, iterations: int = 5000, seed: int = 0, device: str = "auto") -> float:
    """Mean absolute error on real windows of a GRU trained on synthetic ones to predict the
    last channel one step ahead from the other channels (one channel: from itself)."""
    real, synthetic = _pair(real, synthetic)
    if real.ndim != 3:
        raise InputError("predictive_score is for windows (n, length, channels), not images")
    seed_everything(seed)
    target = resolve_device(device)
    channels = real.shape[2]
    model = _NextStep(max(channels - 1, 1)).to(target)
    inputs, outputs = _next_step_data(synthetic, target)
    _train(model, inputs, outputs, nn.L1Loss(), iterations, seed)
    with torch.no_grad():
        inputs, outputs = _next_step_data(real, target)
        return float((model(inputs) - outputs).abs().mean())


def mmd(real, synthetic, max_items: int = 2000, seed: int = 0) -> float:
    """Squared MMD (unbiased) with an RBF kernel, bandwidth = median pairwise distance."""
    real, synthetic = _pair(real, synthetic)
    rng = np.random.default_rng(seed)
    a = _flat(real)[rng.permutation(len(real))[:max_items]]
    b = _flat(synthetic)[rng.permutation(len(synthetic))[:max_items]]
    both = torch.as_tensor(np.concatenate([a, b]), dtype=torch.float64)
    distances = torch.cdist(both, both).square()
    bandwidth = distances[distances > 0].median().clamp(min=1e-12)
    kernel = torch.exp(-distances / bandwidth)
    n, m = len(a), len(b)
    within_a = (kernel[:n, :n].sum() - n) / (n * (n - 1))
    within_b = (kernel[n:, n:].sum() - m) / (m * (m - 1))
    return float(within_a + within_b - 2 * kernel[:n, n:].mean())


def acf_distance(real, synthetic, lags: int = 10) -> float:
    """Mean |ACF_real - ACF_synthetic| over channels and lags 1..``lags`` of the windows'
    average autocorrelation."""
    real, synthetic = _pair(real, synthetic)
    if real.ndim != 3:
        raise InputError("acf_distance is for windows (n, length, channels), not images")
    lags = min(lags, real.shape[1] - 1)
    return float(np.abs(_mean_acf(real, lags) - _mean_acf(synthetic, lags)).mean())


def correlation_distance(real, synthetic) -> float:
    """Mean |corr_real - corr_synthetic| over the pairs of channels, each correlation taken
    over all steps of all windows: how well the cross-channel dependence is kept."""
    real, synthetic = _pair(real, synthetic)
    if real.ndim != 3 or real.shape[2] < 2:
        raise InputError("correlation_distance is for windows of two channels or more "
                         "(n, length, channels)")
    pairs = np.triu_indices(real.shape[2], k=1)
    matrices = [np.corrcoef(x.reshape(-1, x.shape[2]), rowvar=False) for x in (real, synthetic)]
    return float(np.nanmean(np.abs(matrices[0] - matrices[1])[pairs]))


def fidelity_scores(real, synthetic, seed: int = 0, device: str = "auto",
                    iterations: tuple[int, int] = (2000, 5000)) -> dict[str, float]:
    """Every score that applies: all four for windows, discriminative and MMD for images."""
    real, synthetic = _pair(real, synthetic)
    scores = {"discriminative": discriminative_score(real, synthetic, iterations[0], seed, device)}
    if real.ndim == 3:
        scores["predictive"] = predictive_score(real, synthetic, iterations[1], seed, device)
    scores["mmd"] = mmd(real, synthetic, seed=seed)
    if real.ndim == 3:
        scores["acf_distance"] = acf_distance(real, synthetic)
    if real.ndim == 3 and real.shape[2] > 1:
        scores["correlation_distance"] = correlation_distance(real, synthetic)
    return scores


class ImageFeatures:
    """A small CNN classifier trained on labelled images; its penultimate layer embeds images."""

    def __init__(self, images, labels, epochs: int = 5, seed: int = 0, device: str = "auto"):
        images = _array(images, "training")
        if images.ndim != 4:
            raise InputError("ImageFeatures needs images of shape (n, channels, height, width)")
        labels = np.asarray(labels).astype(np.int64)
        seed_everything(seed)
        self.device = resolve_device(device)
        channels, classes = images.shape[1], int(labels.max()) + 1
        self.body = nn.Sequential(nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                                  nn.Flatten(), nn.Linear(256, 64), nn.ReLU()).to(self.device)
        head = nn.Linear(64, classes).to(self.device)
        network = nn.Sequential(self.body, head)
        x = torch.as_tensor(images, dtype=torch.float32, device=self.device)
        y = torch.as_tensor(labels, device=self.device)
        _train(network, x, y, nn.CrossEntropyLoss(), epochs * max(len(x) // BATCH, 1), seed)
        with torch.no_grad():
            self.train_accuracy = float((network(x).argmax(1) == y).float().mean())

    @torch.no_grad()
    def __call__(self, images) -> np.ndarray:
        x = torch.as_tensor(_array(images, "scored"), dtype=torch.float32, device=self.device)
        return torch.cat([self.body(chunk) for chunk in x.split(512)]).double().cpu().numpy()


def frechet_distance(real, synthetic, features: ImageFeatures) -> float:
    """||mu_r - mu_s||^2 + Tr(S_r + S_s - 2 (S_r S_s)^(1/2)) of the two sets' features."""
    a, b = features(real), features(synthetic)
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((S_r S_s)^(1/2)) is the sum of the square roots of the eigenvalues of S_r S_s,
    # which are real and non-negative for covariance matrices
    eigenvalues = np.linalg.eigvals(cov_a @ cov_b).real.clip(min=0)
    return float(np.square(mean_a - mean_b).sum() + np.trace(cov_a) + np.trace(cov_b)
                 - 2 * np.sqrt(eigenvalues).sum())


def bits_per_dim(nll_nats: float, dims: int) -> float:
    """A negative log-likelihood in nats per item as bits per dimension."""
    return float(nll_nats / (dims * np.log(2)))


def dequantize(images: np.ndarray, levels: int, seed: int = 0) -> np.ndarray:
    """Discrete images (values 0 .. levels - 1) as (x + u) / levels, u ~ U[0, 1): continuous
    points in [0, 1) a density model can be fitted on and scored with (Theis, van den Oord &
    Bethge 2016, "A note on the evaluation of generative models")."""
    values = np.asarray(images, dtype=np.float64)
    if values.min() < 0 or values.max() > levels - 1 or not np.array_equal(values, np.round(values)):
        raise InputError(f"dequantize: give integer pixel levels 0..{levels - 1}, not scaled images")
    return (values + np.random.default_rng(seed).uniform(size=values.shape)) / levels


def dequantized_bits_per_dim(log_density: np.ndarray, dims: int, levels: int) -> float:
    """Bits per dimension of discrete images from a continuous density's log p of their
    dequantized copies (nats per item): -log P(x) <= -E_u log p((x + u) / levels) + dims log
    levels, so this is an upper bound of the discrete model's bits/dim, comparable with the
    exact figure of a categorical model such as PixelCNN."""
    return bits_per_dim(-float(np.mean(log_density)) + dims * np.log(levels), dims)


# -- the post-hoc networks ------------------------------------------------------------------
class _WindowClassifier(nn.Module):
    """TimeGAN's discriminator for the score: one GRU layer of max(channels / 2, 1) units."""

    def __init__(self, example: np.ndarray):
        super().__init__()
        hidden = max(example.shape[2] // 2, 1)
        self.gru = nn.GRU(example.shape[2], hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        _, last = self.gru(x)
        return self.out(last[-1])[:, 0]


class _ImageClassifier(nn.Module):
    """Two small convolutions and a linear read-out."""

    def __init__(self, example: np.ndarray):
        super().__init__()
        channels = example.shape[1]
        self.net = nn.Sequential(nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                 nn.Flatten(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x)[:, 0]


class _NextStep(nn.Module):
    def __init__(self, inputs: int):
        super().__init__()
        hidden = max(inputs // 2, 1)
        self.gru = nn.GRU(inputs, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        output, _ = self.gru(x)
        return torch.sigmoid(self.out(output))[..., 0]


def _next_step_data(windows: np.ndarray, device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(windows, dtype=torch.float32, device=device)
    inputs = x[:, :-1, :-1] if x.shape[2] > 1 else x[:, :-1, :]
    return inputs, x[:, 1:, -1]


def _train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn, iterations: int, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters())
    for _ in range(iterations):
        batch = torch.randint(len(x), (min(BATCH, len(x)),), generator=generator).to(x.device)
        optimizer.zero_grad()
        loss_fn(model(x[batch]), y[batch]).backward()
        optimizer.step()
    model.eval()


# -- helpers ------------------------------------------------------------------------------
def _pair(real, synthetic) -> tuple[np.ndarray, np.ndarray]:
    real, synthetic = _array(real, "real"), _array(synthetic, "synthetic")
    if real.shape[1:] != synthetic.shape[1:]:
        raise InputError(f"real items have shape {real.shape[1:]} but synthetic ones {synthetic.shape[1:]}; "
                         "compare items of the same shape")
    return real, synthetic


def _array(items, which: str) -> np.ndarray:
    try:
        array = np.asarray(items, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"the {which} items must be a numeric array") from None
    if array.ndim == 2:
        array = array[:, :, None]  # one-channel windows
    if array.ndim not in (3, 4) or len(array) < 5:
        raise InputError(f"the {which} items must be at least 5 windows (n, length[, channels]) or "
                         f"images (n, channels, height, width); got shape {array.shape}")
    if not np.isfinite(array).all():
        raise InputError(f"the {which} items hold NaN or inf")
    return array


def _split(items: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(items))
    cut = int(0.8 * len(items))
    return items[order[:cut]], items[order[cut:]]


def _flat(items: np.ndarray) -> np.ndarray:
    return items.reshape(len(items), -1)


def _mean_acf(windows: np.ndarray, lags: int) -> np.ndarray:
    centered = windows - windows.mean(axis=1, keepdims=True)
    variance = (centered ** 2).sum(axis=1)
    acf = [(centered[:, lag:] * centered[:, :-lag]).sum(axis=1) / np.where(variance > 0, variance, 1.0)
           for lag in range(1, lags + 1)]
    return np.stack(acf, axis=1).mean(axis=0)  # (lags, channels)
