"""``build_corpus``: real series plus synthetic ones, reproducible from a seed.

Sources (each a row of the ablation in the model card):

- ``real``: the histories given (M1, the dev series' histories...);
- ``kernelsynth``: Gaussian-process paths with random kernel compositions (Chronos);
- ``structural``: level, trend, seasonality and ARMA noise (exponential smoothing's components);
- ``mixup``: TSMixup, convex combinations of real series of one period;
- ``gmm``: windows sampled from Gaussian mixtures fitted to the real series' standardized
  windows (forecastgen's own ``gmm``), one mixture per seasonal period: synthesis feeding
  forecasting.

A ``Corpus`` is a list of float32 series with a seasonal period and a source each; it
saves to and loads from one ``.npz`` (no pickles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forecastgen_pretrained.corpus.kernelsynth import kernelsynth
from forecastgen_pretrained.corpus.mixup import tsmixup
from forecastgen_pretrained.corpus.structural import structural

SOURCES = ("real", "kernelsynth", "structural", "mixup", "gmm")


@dataclass
class Corpus:
    series: list[np.ndarray] = field(default_factory=list)
    seasons: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, series: list[np.ndarray], seasons: list[int], source: str) -> None:
        self.series.extend(np.asarray(s, dtype=np.float32) for s in series)
        self.seasons.extend(int(s) for s in seasons)
        self.sources.extend([source] * len(series))

    def __len__(self) -> int:
        return len(self.series)

    def only(self, sources) -> Corpus:
        """The series of the given sources alone (for ablations)."""
        wanted = set(sources)
        keep = [i for i, source in enumerate(self.sources) if source in wanted]
        return Corpus([self.series[i] for i in keep], [self.seasons[i] for i in keep],
                      [self.sources[i] for i in keep])

    def counts(self) -> dict[str, int]:
        return {source: self.sources.count(source) for source in SOURCES if source in self.sources}

    def save(self, path: str | Path) -> None:
        lengths = np.array([len(s) for s in self.series], dtype=np.int64)
        np.savez(path, values=np.concatenate(self.series) if self.series else np.zeros(0, np.float32),
                 lengths=lengths, seasons=np.array(self.seasons, dtype=np.int64),
                 sources=np.array(self.sources, dtype="U16"))

    @classmethod
    def load(cls, path: str | Path) -> Corpus:
        with np.load(path, allow_pickle=False) as stored:
            ends = np.cumsum(stored["lengths"])
            values = stored["values"]
            series = [values[end - length:end] for end, length in zip(ends, stored["lengths"])]
            return cls(series, stored["seasons"].tolist(), stored["sources"].tolist())


def build_corpus(real: list[np.ndarray], real_seasons: list[int], seed: int = 0,
                 kernelsynth_count: int = 6000, structural_count: int = 6000,
                 mixup_count: int = 4000, gmm_count: int = 4000) -> Corpus:
    """Real series plus the synthetic sources, the same corpus for the same inputs and seed."""
    corpus = Corpus()
    corpus.add(real, real_seasons, "real")
    corpus.add(*kernelsynth(kernelsynth_count, seed + 1), "kernelsynth")
    corpus.add(*structural(structural_count, seed + 2), "structural")
    corpus.add(*tsmixup(real, real_seasons, mixup_count, seed + 3), "mixup")
    if gmm_count:
        corpus.add(*gmm_windows(real, real_seasons, gmm_count, seed + 4), "gmm")
    return corpus


GMM_WINDOW = {1: 20, 4: 40, 12: 72}  # window length per seasonal period; others use DEFAULT
GMM_DEFAULT_WINDOW = 96
GMM_COMPONENTS = 16


def gmm_windows(real: list[np.ndarray], seasons: list[int], count: int, seed: int) -> tuple[list, list]:
    """Windows sampled from one Gaussian mixture per seasonal period, fitted to the real series'
    windows, each standardized by its own mean and standard deviation. A period with too few
    windows for a mixture is left out, and its share of ``count`` with it."""
    from forecastgen import create

    rng = np.random.default_rng(seed)
    periods = sorted(set(seasons))
    shares = np.array([sum(1 for s in seasons if s == p) for p in periods], dtype=float)
    draws = rng.multinomial(count, shares / shares.sum())
    samples, labels = [], []
    for period, wanted in zip(periods, draws):
        length = GMM_WINDOW.get(period, GMM_DEFAULT_WINDOW)
        windows = _standardized_windows([s for s, p in zip(real, seasons) if p == period], length, rng)
        if wanted == 0 or len(windows) < 4 * length:  # too few windows for full covariances
            continue
        mixture = create("gmm", n_components=min(GMM_COMPONENTS, len(windows) // (2 * length)),
                         covariance_type="full", reg_covar=1e-3, random_state=seed, device="cpu")
        drawn = mixture.fit(windows).sample(int(wanted), seed=seed + period)
        samples.extend(drawn.astype(np.float32))
        labels.extend([period] * int(wanted))
    return samples, labels


def _standardized_windows(series: list[np.ndarray], length: int, rng: np.random.Generator,
                          per_series: int = 8) -> np.ndarray:
    windows = []
    for values in series:
        if len(values) < length:
            continue
        for start in rng.integers(0, len(values) - length + 1, size=per_series):
            window = values[start:start + length].astype(float)
            spread = window.std()
            if spread > 0:
                windows.append((window - window.mean()) / spread)
    return np.array(windows).reshape(-1, length)
