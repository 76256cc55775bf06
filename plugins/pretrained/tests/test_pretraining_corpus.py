import numpy as np
import pytest
from forecastgen_pretrained.corpus import SOURCES, Corpus, build_corpus
from forecastgen_pretrained.corpus.kernelsynth import kernelsynth
from forecastgen_pretrained.corpus.mixup import tsmixup
from forecastgen_pretrained.corpus.structural import SEASONS, structural


def seasonal_series(count, length, season, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return [100 + 10 * np.sin(2 * np.pi * t / season + rng.uniform(0, 6)) + rng.normal(0, 1, length)
            for _ in range(count)]


def test_kernelsynth_is_reproducible_and_labels_calendar_periods():
    first, seasons = kernelsynth(20, seed=3, lengths=(64, 128))
    again, _ = kernelsynth(20, seed=3, lengths=(64, 128))
    other, _ = kernelsynth(20, seed=4, lengths=(64, 128))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(len(a) == len(b) and np.array_equal(a, b) for a, b in zip(first, other))
    assert {len(s) for s in first} <= {64, 128}
    assert all(np.isfinite(s).all() and s.dtype == np.float32 for s in first)
    assert set(seasons) <= {1, 4, 5, 7, 12, 24, 52}


def test_structural_series_have_their_season():
    series, seasons = structural(200, seed=0)
    assert set(seasons) == set(SEASONS)
    assert all(np.isfinite(s).all() for s in series)
    # a seasonal series repeats: its autocorrelation at the season beats the one half a season off
    hits = []
    for values, season in zip(series, seasons):
        if season in (12, 24) and len(values) > 6 * season:
            d = np.diff(values)
            d = (d - d.mean()) / (d.std() + 1e-12)
            hits.append(np.mean(d[season:] * d[:-season]) > np.mean(d[season // 2:] * d[:-(season // 2)]))
    assert np.mean(hits) > 0.6


def test_tsmixup_mixes_series_of_one_season_at_a_common_length():
    monthly = seasonal_series(5, 60, 12, seed=0)
    quarterly = seasonal_series(5, 30, 4, seed=1)
    mixed, seasons = tsmixup(monthly + quarterly, [12] * 5 + [4] * 5, 40, seed=0)
    assert set(seasons) == {4, 12}
    for values, season in zip(mixed, seasons):
        assert len(values) == (60 if season == 12 else 30)
        # each part was scaled by its mean absolute value, so the mixture's level is near 1
        assert 0.8 < values.mean() < 1.2


def test_corpus_holds_every_source_and_round_trips(tmp_path):
    real = seasonal_series(40, 200, 12, seed=0) + seasonal_series(40, 80, 4, seed=1)
    corpus = build_corpus(real, [12] * 40 + [4] * 40, seed=0, kernelsynth_count=5, structural_count=5,
                          mixup_count=5, gmm_count=20)
    assert set(corpus.counts()) == set(SOURCES)
    assert corpus.counts()["real"] == 80
    gmm = corpus.only(["gmm"])
    assert len(gmm) == 20 and set(gmm.seasons) <= {4, 12}
    # the mixture learned standardized windows of the seasonal series: its samples are about 0 +- 1
    stacked = np.concatenate(gmm.series)
    assert abs(stacked.mean()) < 0.3 and 0.6 < stacked.std() < 1.4
    corpus.save(tmp_path / "corpus.npz")
    loaded = Corpus.load(tmp_path / "corpus.npz")
    assert loaded.sources == corpus.sources and loaded.seasons == corpus.seasons
    assert all(np.array_equal(a, b) for a, b in zip(loaded.series, corpus.series))


@pytest.mark.parametrize("seed", [0, 1])
def test_build_corpus_is_reproducible(seed):
    real = seasonal_series(10, 120, 12, seed=5)
    one = build_corpus(real, [12] * 10, seed=seed, kernelsynth_count=3, structural_count=3, mixup_count=3,
                       gmm_count=4)
    two = build_corpus(real, [12] * 10, seed=seed, kernelsynth_count=3, structural_count=3, mixup_count=3,
                       gmm_count=4)
    assert all(np.array_equal(a, b) for a, b in zip(one.series, two.series))
