"""The pixel models (gated PixelCNN, Row LSTM PixelRNN): causal masks, a normalized
likelihood, cached = naive sampling, completion, class conditioning, the spatial check
and checkpoints."""

from pathlib import Path

import numpy as np
import pytest
import torch
from forecastgen_autoregressive.pixelcnn import GatedPixelCNN, PixelCNN
from forecastgen_autoregressive.pixelrnn import PixelRNN, RowLSTMNetwork

from forecastgen.data.images import read_images
from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.errors import InputError
from forecastgen.testing import example_images

DIGITS = Path(__file__).resolve().parents[3] / "examples" / "data" / "digits.npz"
TINY = dict(hidden_channels=16, layers=3, kernel_size=3, max_epochs=3, batches_per_epoch=10,
            batch_size=32, device="cpu")
TINY_RNN = dict(hidden_channels=8, layers=1, max_epochs=3, batches_per_epoch=10, batch_size=32,
                device="cpu")
NETWORKS = {"pixelcnn": lambda: GatedPixelCNN(levels=4, hidden=8, layers=4, kernel=3, classes=3),
            "pixelrnn": lambda: RowLSTMNetwork(levels=4, hidden=8, layers=2, kernel=3, classes=3)}
MODELS = {"pixelcnn": lambda **extra: PixelCNN(**{**TINY, **extra}),
          "pixelrnn": lambda **extra: PixelRNN(**{**TINY_RNN, **extra})}


@pytest.fixture(scope="module")
def digits():
    return read_images(DIGITS)


@pytest.fixture(scope="module")
def digit_model(digits):
    train, _ = digits.split(1437)
    return PixelCNN(**{**TINY, "max_epochs": 10, "batches_per_epoch": 20}).fit(train)


@pytest.mark.parametrize("name", NETWORKS)
def test_no_pixel_sees_itself_or_a_later_pixel(name):
    torch.manual_seed(0)
    network = NETWORKS[name]().double()
    x = torch.randint(0, 4, (1, 1, 7, 7)).double().requires_grad_(True)
    logits = network(x, torch.tensor([2]))
    for row in range(7):
        for column in range(7):
            gradient, = torch.autograd.grad(logits[0, :, row, column].sum(), x, retain_graph=True)
            seen = {tuple(p) for p in (gradient[0, 0] != 0).nonzero().tolist()}
            assert all(p < (row, column) for p in seen), (row, column)
    # no blind spot: the last pixel sees every pixel of the rows above within its reach
    gradient, = torch.autograd.grad(logits[0, :, 6, 6].sum(), x)
    assert (gradient[0, 0, 3:6, 3:] != 0).all() and (gradient[0, 0, 6, :6] != 0).any()


@pytest.mark.parametrize("name", NETWORKS)
def test_cached_sampler_gives_the_naive_logits_at_every_step(name):
    from forecastgen_autoregressive.pixels import NaiveSampler, inverse_cdf

    torch.manual_seed(0)
    network = NETWORKS[name]().double().eval()
    labels, uniforms = torch.tensor([0, 1, 2, 0]), torch.rand(4, 6, 7, dtype=torch.float64)
    x = torch.zeros(4, 1, 6, 7, dtype=torch.float64)
    naive, cached = NaiveSampler(network, labels), network.cached_sampler(x, labels)
    with torch.no_grad():
        for row in range(6):
            for column in range(7):
                expected = naive.logits(x, row, column)
                torch.testing.assert_close(cached.logits(x, row, column), expected, rtol=0, atol=1e-12)
                x[:, 0, row, column] = inverse_cdf(expected, uniforms[:, row, column]).double()


@pytest.mark.parametrize("name", MODELS)
def test_probabilities_of_all_two_by_two_binary_images_sum_to_one(name):
    model = MODELS[name](force=True).fit(example_images()[:, :, :2, :2])
    every_image = np.array([[[[(k >> 3) & 1, (k >> 2) & 1], [(k >> 1) & 1, k & 1]]] for k in range(16)])
    assert np.exp(model.log_prob(every_image)).sum() == pytest.approx(1.0, abs=1e-5)


def test_training_on_digits_beats_a_uniform_model(digit_model, digits):
    _, test = digits.split(1437)
    assert digit_model.levels_ == 17 and digit_model.shape_ == (1, 8, 8)
    assert digit_model.bits_per_dim(test) < np.log2(17) - 1.8  # uniform: 4.09 bits/dim


def test_cached_and_naive_sampling_give_identical_images(digit_model):
    digit_model.network_.double()  # float64: no summation-order ties between the two paths
    try:
        cached = digit_model.sample(6, seed=3)
        naive = digit_model.sample(6, seed=3, cached=False)
    finally:
        digit_model.network_.float()
    np.testing.assert_array_equal(cached, naive)
    assert cached.shape == (6, 1, 8, 8) and len(np.unique(cached)) > 2
    np.testing.assert_array_equal(np.rint(cached * 16) / 16, cached)  # on the 17-level grid


@pytest.mark.parametrize("name", MODELS)
def test_completion_keeps_the_known_pixels(name, digit_model, digits):
    model = digit_model if name == "pixelcnn" else MODELS[name]().fit(digits.split(1437)[0])
    images = digits.images[1437:1445]
    known = np.zeros((8, 8), dtype=bool)
    known[:4] = True  # the top half
    completed = model.complete(images, known, seed=1)
    np.testing.assert_array_equal(np.rint(completed[:, :, :4] * 16), images[:, :, :4])
    assert not np.array_equal(np.rint(completed[:, :, 4:] * 16), np.zeros_like(images[:, :, 4:]))
    np.testing.assert_array_equal(completed, model.complete(images, known, seed=1))


def test_class_conditional_likelihoods_prefer_the_true_class():
    images = example_images(count=200, side=6, seed=1)
    labels = (images[:, 0, :, :3].sum(axis=(1, 2)) < images[:, 0, :, 3:].sum(axis=(1, 2))).astype(int)
    model = PixelCNN(**{**TINY, "conditional": True, "max_epochs": 12}).fit(images, labels)
    true = model.log_prob(images, labels=labels)
    wrong = model.log_prob(images, labels=1 - labels)
    assert (true > wrong).mean() > 0.8
    right = model.sample(40, seed=0, labels=1)  # class 1: more ink on the right
    assert right[:, 0, :, 3:].sum() > 1.5 * right[:, 0, :, :3].sum()
    left = model.sample(40, seed=0, labels=0)
    assert left[:, 0, :, :3].sum() > 1.5 * left[:, 0, :, 3:].sum()
    with pytest.raises(InputError, match="say which classes"):
        model.sample(2)


@pytest.mark.parametrize("name", MODELS)
def test_images_without_spatial_structure_are_refused_unless_forced(name):
    noise = np.random.default_rng(0).integers(0, 2, size=(100, 1, 6, 6))
    with pytest.raises(InputError, match=f"{name} needs spatial autocorrelation.*Pass force=True"):
        MODELS[name]().fit(noise)
    assert MODELS[name](force=True, max_epochs=1).fit(noise).levels_ == 2


def test_levels_come_from_the_data_and_bad_images_are_refused():
    images = example_images()
    assert PixelCNN(**{**TINY, "max_epochs": 1}).fit(images * 0.5 + 0.25 * images).levels_ == 5
    with pytest.raises(InputError, match="one-channel images"):
        PixelCNN(**TINY).fit(np.zeros((10, 3, 6, 6)))
    with pytest.raises(InputError, match="not on a grid of 2 levels"):
        PixelCNN(**TINY, levels=2).fit(images * 0.3)


def test_same_seed_same_model_and_save_load_round_trip(digit_model, digits, tmp_path):
    save_checkpoint(digit_model, tmp_path / "pixelcnn")
    loaded = load_checkpoint(tmp_path / "pixelcnn")
    test = digits.images[1437:1460]
    np.testing.assert_array_equal(loaded.log_prob(test), digit_model.log_prob(test))
    np.testing.assert_array_equal(loaded.sample(3, seed=5), digit_model.sample(3, seed=5))


def test_pixelrnn_learns_the_digits_and_saves(digits, tmp_path):
    train, test = digits.split(1437)
    settings = {**TINY_RNN, "hidden_channels": 16, "max_epochs": 6, "batches_per_epoch": 20}
    model = PixelRNN(**settings).fit(train)
    assert model.bits_per_dim(test) < np.log2(17) - 1.5  # uniform: 4.09 bits/dim
    save_checkpoint(model, tmp_path / "pixelrnn")
    loaded = load_checkpoint(tmp_path / "pixelrnn")
    np.testing.assert_array_equal(loaded.log_prob(test.images[:20]), model.log_prob(test.images[:20]))
    np.testing.assert_array_equal(loaded.sample(2, seed=1), model.sample(2, seed=1))
