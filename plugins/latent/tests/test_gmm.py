"""The Gaussian mixture: EM's guarantees, scikit-learn parity, densities, conditioning."""

import math
import warnings

import numpy as np
import pytest
import torch
from forecastgen_latent import gmm as gmm_module
from forecastgen_latent.gmm import GaussianMixture

from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.errors import InputError

KINDS = ["full", "tied", "diag", "spherical"]


def blobs(n: int = 300, seed: int = 0, offset: float = 0.0) -> np.ndarray:
    """Three correlated clusters in three dimensions."""
    rng = np.random.default_rng(seed)
    parts = [rng.normal(center, scale, size=(n, 3)) for center, scale in [(-3, 0.5), (0, 1.0), (4, 0.3)]]
    return np.concatenate(parts) @ rng.normal(size=(3, 3)) + offset


@pytest.mark.parametrize("kind", KINDS)
def test_em_never_lowers_the_likelihood(kind):
    model = GaussianMixture(4, covariance_type=kind, max_iter=60, tol=0, init_params="random").fit(blobs())
    bounds = np.asarray(model.lower_bounds_)
    assert len(bounds) == 60
    assert (np.diff(bounds) >= -1e-9 * np.abs(bounds[1:])).all()
    assert model.score(blobs()) == pytest.approx(model.lower_bound_)


@pytest.mark.parametrize("kind", KINDS)
def test_matches_scikit_learn_from_the_same_start(kind):
    sklearn = pytest.importorskip("sklearn.mixture")
    data = blobs(offset=50.0)  # far from the origin: where float32 shortcuts would show
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: tol=0 runs every iteration
        start = sklearn.GaussianMixture(3, covariance_type=kind, max_iter=2, random_state=0).fit(data)
        init = dict(weights_init=start.weights_, means_init=start.means_,
                    precisions_init=start.precisions_)
        reference = sklearn.GaussianMixture(3, covariance_type=kind, max_iter=25, tol=0, **init).fit(data)
    ours = GaussianMixture(3, covariance_type=kind, max_iter=25, tol=0, **init).fit(data)
    assert ours.score(data) == pytest.approx(reference.score(data), rel=1e-4)
    np.testing.assert_allclose(ours.means_, reference.means_, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.weights_, reference.weights_, atol=1e-5)
    np.testing.assert_allclose(ours.log_prob(data), reference.score_samples(data), rtol=1e-4, atol=1e-4)


def test_density_integrates_to_one_in_one_and_two_dimensions():
    rng = np.random.default_rng(1)
    line = np.concatenate([rng.normal(-2, 0.4, 200), rng.normal(1, 1.0, 300)])[:, None]
    model = GaussianMixture(2).fit(line)
    grid = np.linspace(-10, 10, 4001)
    assert np.trapezoid(np.exp(model.log_prob(grid[:, None])), grid) == pytest.approx(1.0, abs=1e-4)

    plane = blobs()[:, :2]
    model = GaussianMixture(3).fit(plane)
    axis = np.linspace(-40, 40, 801)
    xx, yy = np.meshgrid(axis, axis)
    density = np.exp(model.log_prob(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    mass = np.trapezoid(np.trapezoid(density, axis, axis=1), axis)
    assert mass == pytest.approx(1.0, abs=1e-3)


def test_conditioning_matches_the_closed_form():
    model = GaussianMixture(2, covariance_type="full").fit(blobs()[:, :2])
    past = np.array([0.7])
    weights, means, covariances = model.condition(past)
    expected_log_weights = []
    for j in range(2):
        mu, sigma = model.means_[j], model.covariances_[j]
        expected_mean = mu[1] + sigma[1, 0] / sigma[0, 0] * (past[0] - mu[0])
        expected_variance = sigma[1, 1] - sigma[1, 0] ** 2 / sigma[0, 0]
        assert means[j, 0] == pytest.approx(expected_mean)
        assert covariances[j, 0, 0] == pytest.approx(expected_variance)
        expected_log_weights.append(math.log(model.weights_[j]) - 0.5 * math.log(2 * math.pi * sigma[0, 0])
                                    - 0.5 * (past[0] - mu[0]) ** 2 / sigma[0, 0])
    expected = np.exp(np.array(expected_log_weights) - max(expected_log_weights))
    np.testing.assert_allclose(weights, expected / expected.sum())


def test_sample_future_follows_the_conditional_mixture():
    model = GaussianMixture(2).fit(blobs()[:, :2])
    draws = model.sample_future(np.array([[0.7]]), horizon=1, num_samples=20000, seed=3)
    weights, means, covariances = model.condition(np.array([0.7]))
    assert draws.shape == (1, 20000, 1)
    assert draws.mean() == pytest.approx(float(weights @ means[:, 0]), abs=0.05)


def test_sampling_one_component_and_responsibilities():
    data = blobs()
    model = GaussianMixture(3, random_state=1).fit(data)
    for j in range(3):
        draws = model.sample(4000, seed=j, component=j)
        np.testing.assert_allclose(draws.mean(0), model.means_[j], atol=0.15)
    proba = model.predict_proba(data)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert len(np.unique(model.predict(data))) == 3
    with pytest.raises(InputError, match="component must be in 0..2"):
        model.sample(3, component=5)


def test_bic_finds_the_number_of_clusters():
    model = GaussianMixture("bic", max_components=6).fit(blobs())
    assert model.means_.shape == (3, 3)
    assert min(model.bic_by_components_, key=model.bic_by_components_.get) == 3


def test_chunked_and_uncached_passes_give_the_same_fit(monkeypatch):
    data = blobs()
    whole = GaussianMixture(3, max_iter=15, tol=0).fit(data)
    monkeypatch.setattr(gmm_module, "CACHE_BYTES", 0)  # recompute every chunk on every pass
    chunked = GaussianMixture(3, max_iter=15, tol=0, chunk_size=37).fit(data)
    np.testing.assert_allclose(chunked.means_, whole.means_, rtol=1e-6, atol=1e-6)
    assert chunked.lower_bound_ == pytest.approx(whole.lower_bound_, rel=1e-6)
    # wide items: a chunk holds fewer rows, so its pair products stay within CHUNK_BYTES
    monkeypatch.setattr(gmm_module, "CHUNK_BYTES", 8 * 13 * 11)  # 11 rows of 3 values + 10 products
    bounded = GaussianMixture(3, max_iter=15, tol=0).fit(data)
    np.testing.assert_allclose(bounded.means_, whole.means_, rtol=1e-6, atol=1e-6)
    assert gmm_module._Chunks(torch.as_tensor(data), torch.zeros(3, dtype=torch.float64), 16384,
                              features=True).size == 11


def test_duplicated_and_degenerate_items_give_finite_results():
    rng = np.random.default_rng(0)
    data = np.concatenate([np.tile([1.0, 2.0, 3.0], (200, 1)), rng.normal(size=(20, 3))])
    for kind in KINDS:
        model = GaussianMixture(3, covariance_type=kind).fit(data)
        assert np.isfinite(model.log_prob(data)).all()
        assert np.isfinite(model.sample(10, seed=0)).all()


def test_read_only_windows_fit_silently_and_like_a_copy():
    series = np.sin(np.arange(300) / 5.0) + np.random.default_rng(0).normal(0, 0.1, 300)
    windows = np.lib.stride_tricks.sliding_window_view(series, 12)  # a read-only view
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viewed = GaussianMixture(2).fit(windows)
    copied = GaussianMixture(2).fit(windows.copy())
    np.testing.assert_array_equal(viewed.means_, copied.means_)


def test_same_seed_same_fit_and_save_load_keeps_samples(tmp_path):
    data = blobs()
    first = GaussianMixture(3, n_init=2, random_state=5).fit(data)
    again = GaussianMixture(3, n_init=2, random_state=5).fit(data)
    np.testing.assert_array_equal(first.means_, again.means_)
    save_checkpoint(first, tmp_path / "gmm")
    loaded = load_checkpoint(tmp_path / "gmm")
    np.testing.assert_array_equal(loaded.sample(50, seed=9), first.sample(50, seed=9))
    np.testing.assert_array_equal(loaded.log_prob(data), first.log_prob(data))


def test_bad_input_is_refused_clearly():
    with pytest.raises(InputError, match="1-D array"):
        GaussianMixture(2).fit(np.arange(10.0))
    with pytest.raises(InputError, match="1 of 3 rows hold NaN"):
        GaussianMixture(1).fit(np.array([[1.0, 2.0], [np.nan, 1.0], [0.0, 0.0]]))
    with pytest.raises(InputError, match="covariance_type must be one of"):
        GaussianMixture(2, covariance_type="ful").fit(blobs())
    model = GaussianMixture(2).fit(blobs())
    with pytest.raises(InputError, match="fitted on 3 dimensions, these items have 2"):
        model.log_prob(np.zeros((4, 2)))


def test_greedy_seeding_puts_a_center_in_every_separated_cluster():
    import torch
    from forecastgen_latent.gmm import _kmeans_plus_plus

    rng = np.random.default_rng(2)
    blobs = rng.normal(0, 20, size=(12, 3))
    points = torch.as_tensor(np.concatenate([blob + rng.normal(size=(300, 3)) for blob in blobs]))
    owner = np.repeat(np.arange(12), 300)
    for seed in range(10):
        centers = _kmeans_plus_plus(points, 12, torch.Generator().manual_seed(seed)).numpy()
        nearest_blob = np.argmin(((centers[:, None] - blobs[None]) ** 2).sum(-1), axis=1)
        assert len(set(nearest_blob)) == 12, f"seed {seed} left a cluster without a center"
    assert len(set(owner)) == 12


def _lloyd_labels(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Plain Lloyd's steps until no label changes (the reference for the bounded version)."""
    labels = None
    while True:
        new = ((points[:, None] - centers[None]) ** 2).sum(-1).argmin(1)
        if labels is not None and (new == labels).all():
            return labels
        labels = new
        centers = np.stack([points[labels == j].mean(0) if (labels == j).any() else centers[j]
                            for j in range(len(centers))])


def test_kmeans_with_hamerly_bounds_ends_on_lloyds_labels(monkeypatch):
    import torch
    from forecastgen_latent import gmm

    monkeypatch.setattr(gmm, "KMEANS_TOL", 0.0)  # run to the end: labels stop changing
    rng = np.random.default_rng(4)
    points = np.concatenate([rng.normal(rng.normal(0, 2, 4), 1.0, size=(400, 4)) for _ in range(6)])
    points = torch.as_tensor(points - points.mean(0), dtype=torch.float64)
    for seed in range(3):
        start = gmm._kmeans_plus_plus(points, 8, torch.Generator().manual_seed(seed))
        labels = gmm._kmeans(points, start, 300, chunk_size=500).numpy()
        np.testing.assert_array_equal(labels, _lloyd_labels(points.numpy(), start.numpy()))


def test_more_initialisations_keep_the_best_fit():
    rng = np.random.default_rng(6)
    data = np.concatenate([rng.normal(rng.normal(0, 3, 2), 1.0, size=(150, 2)) for _ in range(5)])
    single = GaussianMixture(5, random_state=3).fit(data)
    several = GaussianMixture(5, n_init=6, random_state=3).fit(data)
    assert several.lower_bound_ >= single.lower_bound_
    assert several.score(data) == pytest.approx(several.lower_bound_)
