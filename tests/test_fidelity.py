"""Fidelity scores on data whose answer is known: the same distribution against itself,
and against something easy to tell apart."""

from pathlib import Path

import numpy as np
import pytest

from forecastgen.errors import InputError
from forecastgen.fidelity import (
    acf_distance,
    bits_per_dim,
    correlation_distance,
    dequantize,
    dequantized_bits_per_dim,
    discriminative_score,
    mmd,
    predictive_score,
    sines,
)


def noise_like(windows: np.ndarray, seed: int = 9) -> np.ndarray:
    return np.random.default_rng(seed).uniform(size=windows.shape)


def test_sines_follow_timegans_recipe():
    data = sines(300, seed=1)
    assert data.shape == (300, 24, 5)
    assert 0.0 <= data.min() and data.max() <= 1.0
    np.testing.assert_array_equal(data, sines(300, seed=1))
    # slow sines with phase near 0: each channel rises from about 0.5
    assert np.allclose(data[:, 0], 0.5, atol=0.06)


@pytest.mark.slow
def test_discriminative_score_tells_noise_from_sines_but_not_sines_from_sines():
    real, other = sines(300, seed=1), sines(300, seed=2)
    same = discriminative_score(real, other, iterations=600, seed=0, device="cpu")
    different = discriminative_score(real, noise_like(real), iterations=600, seed=0, device="cpu")
    assert same < 0.1
    assert different > 0.4
    again = [discriminative_score(real, other, iterations=50, seed=4, device="cpu") for _ in range(2)]
    assert again[0] == again[1]


def test_discriminative_score_on_images():
    rng = np.random.default_rng(0)
    smooth = np.cumsum(np.cumsum(rng.normal(size=(120, 1, 8, 8)), axis=2), axis=3)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    noisy = rng.uniform(size=smooth.shape)
    assert discriminative_score(smooth, noisy, iterations=150, device="cpu") > 0.35


def test_predictive_score_rewards_realistic_training_data():
    real = sines(200, seed=1)
    from_real = predictive_score(real, sines(200, seed=2), iterations=150, device="cpu")
    from_noise = predictive_score(real, noise_like(real), iterations=150, device="cpu")
    assert from_real < from_noise


def test_mmd_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    real = sines(300, seed=1)
    assert abs(mmd(real, sines(300, seed=2))) < 0.01
    assert mmd(real, np.clip(real + 0.2, 0, 1)) > 0.1


def test_acf_distance():
    real = sines(200, seed=1)
    assert acf_distance(real, real) == 0.0
    assert acf_distance(real, noise_like(real)) > 0.3 > acf_distance(real, sines(200, seed=3))


def test_correlation_distance_sees_channels_that_lost_their_dependence():
    rng = np.random.default_rng(0)
    common = rng.normal(size=(300, 24, 1))
    follower = common + 0.5 * rng.normal(size=(300, 24, 1))
    real = np.concatenate([common, follower, rng.normal(size=(300, 24, 1))], axis=2)
    assert correlation_distance(real, real) == 0.0
    shuffled = real.copy()
    shuffled[:, :, 1] = shuffled[rng.permutation(300), :, 1]  # channel 1 no longer follows channel 0
    # corr(0, 1) drops from about 0.89 to 0; the other two pairs stay near 0
    assert correlation_distance(real, shuffled) == pytest.approx(0.89 / 3, abs=0.05)
    with pytest.raises(InputError, match="two channels"):
        correlation_distance(real[:, :, :1], real[:, :, :1])


def test_bits_per_dim_and_bad_input():
    assert bits_per_dim(64 * np.log(2), 64) == pytest.approx(1.0)
    with pytest.raises(InputError, match="same shape"):
        mmd(sines(10), sines(10, length=12))
    with pytest.raises(InputError, match="NaN or inf"):
        acf_distance(np.full((10, 24), np.nan), sines(10, channels=1)[:, :, 0])


def test_dequantized_bits_per_dim_gives_a_discrete_models_figure():
    rng = np.random.default_rng(0)
    probabilities = np.array([0.5, 0.25, 0.125, 0.125])
    pixels = rng.choice(4, size=(5000, 1), p=probabilities)
    points = dequantize(pixels, levels=4, seed=1)
    assert points.min() >= 0 and points.max() < 1
    np.testing.assert_array_equal(np.floor(points * 4), pixels)  # each point stays in its level's bin
    # a density flat within each bin, p_k * levels there, is the categorical model itself
    log_density = np.log(probabilities[np.floor(points[:, 0] * 4).astype(int)] * 4)
    entropy_bits = -np.log2(probabilities[pixels[:, 0]]).mean()
    assert dequantized_bits_per_dim(log_density, 1, 4) == pytest.approx(entropy_bits)
    assert dequantized_bits_per_dim(np.zeros(10), 64, 17) == pytest.approx(np.log2(17))  # uniform
    with pytest.raises(InputError, match="integer pixel levels 0..3"):
        dequantize(pixels / 3.0 + 0.1, levels=4)


def test_frechet_distance_is_near_zero_for_the_same_images_and_grows_with_distortion():
    from forecastgen.data.images import read_images
    from forecastgen.fidelity import ImageFeatures, frechet_distance

    digits = read_images(Path(__file__).resolve().parents[1] / "examples" / "data" / "digits.npz")
    train, test = digits.split(1437)
    features = ImageFeatures(train.scaled(), train.labels, epochs=3, device="cpu")
    assert features.train_accuracy > 0.5
    real = test.scaled()
    same = frechet_distance(real, real, features)
    floor = frechet_distance(real, train.scaled()[:360], features)
    blurred = frechet_distance(real, np.clip(real + np.random.default_rng(0).normal(0, 0.3, real.shape),
                                                 0, 1), features)
    assert abs(same) < 1e-6
    assert floor < blurred


def test_unequal_sets_are_balanced_before_the_discriminative_score():
    real = sines(400, seed=1)
    score = discriminative_score(real, sines(40, seed=2), iterations=100, device="cpu")
    assert score < 0.25  # guessing "real" would score 0.41 on 400 against 40
