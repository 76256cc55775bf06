"""The GAN on tiny toy problems: conditioning, inversion, checkpoints, refusals."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from forecastgen_adversarial.gan import GAN

from forecastgen.cli import cli
from forecastgen.engine import adversarial
from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.errors import InputError, NotSupportedError

AIRLINE = Path(__file__).resolve().parents[3] / "examples" / "data" / "airline.csv"
FAST = {"latent_dim": 4, "hidden_size": 16, "batch_size": 32, "batches_per_epoch": 10, "device": "cpu",
        "generator_lr": 2e-3, "discriminator_lr": 2e-3}


def half_lit_images(count=256, seed=0):
    """8x8 images: class 0 has its top half lit, class 1 its bottom half; pixels on 17 levels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, count)
    images = rng.integers(0, 4, (count, 1, 8, 8)).astype(np.float32)
    for image, label in zip(images, labels, strict=True):
        image[0, 4 * label:4 * label + 4] += 12
    return images / 16, labels


def level_windows(count=400, length=8, seed=0):
    """Windows that sit at +1 or -1 throughout (random sign), with a little noise."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(count, 1))
    return (signs + 0.1 * rng.normal(size=(count, length))).astype(np.float32)


@pytest.fixture(scope="module")
def class_gan():
    images, labels = half_lit_images()
    return GAN(conditional=True, max_epochs=15, **FAST).fit(images, labels)


@pytest.fixture(scope="module")
def window_gan():
    return GAN(context_length=4, max_epochs=15, **FAST).fit(level_windows())


def halves(images):
    return images[:, 0, :4].mean(axis=(1, 2)), images[:, 0, 4:].mean(axis=(1, 2))


def test_class_conditional_samples_obey_their_label(class_gan):
    top, bottom = halves(class_gan.sample(100, seed=1, labels=0))
    assert (top > bottom).mean() > 0.9
    top, bottom = halves(class_gan.sample(100, seed=1, labels=1))
    assert (bottom > top).mean() > 0.9


def test_image_samples_lie_on_the_training_levels(class_gan):
    samples = class_gan.sample(20, seed=0)
    assert class_gan.levels_ == 17
    np.testing.assert_allclose(samples * 16, np.rint(samples * 16), atol=1e-9)
    assert samples.min() >= 0 and samples.max() <= 1


def test_forecast_futures_follow_their_past(window_gan):
    up = window_gan.sample_future(np.ones((1, 4)), 4, 100, seed=0)
    down = window_gan.sample_future(-np.ones((1, 4)), 4, 100, seed=0)
    assert up.shape == down.shape == (1, 100, 4)
    assert (up.mean(axis=2) > 0).mean() > 0.9 and (down.mean(axis=2) < 0).mean() > 0.9


def test_whole_windows_come_from_both_regimes(window_gan):
    levels = window_gan.sample(200, seed=0).mean(axis=1)
    assert 0.2 < (levels > 0).mean() < 0.8
    assert window_gan.history_.diversity[-1] > 0.3


def test_inversion_finds_the_latent_of_a_generated_item(window_gan):
    rng = np.random.default_rng(3)
    hidden = rng.normal(size=(8, window_gan.game_.latent_size))
    targets = window_gan.generate(hidden)
    found = window_gan.generate(window_gan.invert(targets, steps=300, seed=1))
    random = window_gan.generate(rng.normal(size=hidden.shape))
    assert np.mean((found - targets) ** 2) < 0.1 * np.mean((random - targets) ** 2)


def test_the_average_generator_is_not_the_raw_one(window_gan):
    pairs = zip(window_gan.game_.average.parameters(), window_gan.game_.generator.parameters(), strict=True)
    assert not all(torch.equal(a, b) for a, b in pairs)


def test_save_and_load_give_the_same_samples(tmp_path, class_gan, window_gan):
    for model in (class_gan, window_gan):
        save_checkpoint(model, tmp_path / model.kind_)
        loaded = load_checkpoint(tmp_path / model.kind_)
        np.testing.assert_array_equal(loaded.sample(6, seed=2), model.sample(6, seed=2))
    loaded = load_checkpoint(tmp_path / "windows")
    np.testing.assert_array_equal(loaded.sample_future(np.ones((2, 4)), 3, 5, seed=4),
                                  window_gan.sample_future(np.ones((2, 4)), 3, 5, seed=4))


def test_same_seed_same_fit():
    images, _ = half_lit_images(64)
    first = GAN(max_epochs=2, **FAST).fit(images).sample(4, seed=0)
    np.testing.assert_array_equal(first, GAN(max_epochs=2, **FAST).fit(images).sample(4, seed=0))


def test_windows_with_channels_keep_their_shape():
    rng = np.random.default_rng(0)
    windows = rng.normal(size=(40, 10, 3)).cumsum(axis=1) + np.array([0.0, 10.0, -5.0])
    model = GAN(max_epochs=1, **FAST).fit(windows)
    assert model.sample(5, seed=0).shape == (5, 10, 3)
    assert model.sample_future(windows[:2, :6], 3, 7, seed=0).shape == (2, 7, 3, 3)
    assert model.loc_.shape == (3,)


def test_teacher_forced_steps_see_only_the_past(window_gan):
    generator = window_gan.game_.generator
    real = torch.randn(1, 8, 1, requires_grad=True)
    predicted = generator.teacher_forced(window_gan.game_.noise(1), real, torch.zeros(1, dtype=torch.long),
                                         torch.zeros(1, 8, 0))
    (gradient,) = torch.autograd.grad(predicted[0, 5, 0], real)
    assert torch.all(gradient[0, 5:] == 0) and gradient[0, :5].abs().sum() > 0


def test_supervised_loss_is_added_when_asked():
    windows = level_windows(60)
    plain = GAN(max_epochs=1, **FAST).fit(windows)
    supervised = GAN(max_epochs=1, supervised_weight=1.0, **FAST).fit(windows)
    batch = (torch.as_tensor((windows - plain.loc_[0]) / plain.scale_[0]).float()[:, :, None],
             torch.zeros(len(windows), dtype=torch.long), torch.zeros(len(windows), 8, 0))
    assert plain.game_.auxiliary_loss(batch) is None
    assert float(supervised.game_.auxiliary_loss(batch).detach()) > 0


def test_log_prob_says_a_gan_has_no_density(window_gan):
    with pytest.raises(NotSupportedError, match="no explicit density"):
        window_gan.log_prob(level_windows(4))


@pytest.mark.parametrize("use, message", [
    (lambda m, w: m.sample_future(np.ones((1, 3)), 4, 2), "fitted to forecast from 4 past steps"),
    (lambda m, w: m.sample_future(np.ones((1, 4)), 5, 2), "must fit in the fitted windows of 8 steps"),
    (lambda m, w: m.sample_future(np.full((1, 4), np.nan), 2, 2), "NaN"),
    (lambda m, w: m.sample(2, labels=1), "not class-conditional; refit with conditional=True"),
    (lambda m, w: m.generate(np.zeros((2, 3))), "latent vectors must have shape"),
    (lambda m, w: m.invert(np.zeros((2, 5))), "fitted on items of shape"),
])
def test_misuse_is_refused_with_a_message(window_gan, use, message):
    with pytest.raises(InputError, match=message):
        use(window_gan, None)


def test_bad_settings_are_refused():
    windows = level_windows(40)
    with pytest.raises(InputError, match="needs class labels"):
        GAN(conditional=True, **FAST).fit(windows)
    with pytest.raises(InputError, match="context_length 8 leaves no past or no future"):
        GAN(context_length=8, **FAST).fit(windows)
    with pytest.raises(InputError, match="needs class labels"):
        GAN(conditional=True, **FAST).fit(half_lit_images(20)[0])
    with pytest.raises(InputError, match="loss must be one of"):
        GAN(loss="least-squares", **FAST).fit(windows)


def test_image_gan_refuses_to_forecast_and_unknown_classes(class_gan):
    with pytest.raises(InputError, match="fitted on images"):
        class_gan.sample_future(np.ones((1, 4)), 2, 2)
    with pytest.raises(InputError, match=r"labels must lie in 0..1"):
        class_gan.sample(2, labels=5)


def test_predict_with_the_gan_from_the_command_line(tmp_path):
    output = tmp_path / "forecast.csv"
    result = CliRunner().invoke(cli, [
        "predict", str(AIRLINE), "--model", "gan", "--horizon", "12", "--samples", "50", "-q",
        "-p", "max_epochs=3", "-p", "batches_per_epoch=10", "-p", "hidden_size=16", "-o", str(output)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(output)
    assert len(table) == 12 and {"mean", "q10", "q90"} <= set(table.columns)
    assert np.isfinite(table.select_dtypes("number").to_numpy()).all()
    assert (table["q10"] <= table["q90"]).all()


def test_fit_and_sample_a_class_conditional_gan_from_the_command_line(tmp_path):
    images, labels = half_lit_images(64)
    archive = tmp_path / "halves.npz"
    np.savez(archive, images=np.rint(images * 16).astype(np.uint8), labels=labels)
    runner, folder, grid = CliRunner(), tmp_path / "gan", tmp_path / "ones.png"
    fitted = runner.invoke(cli, ["-v", "fit", str(archive), "-m", "gan", "-p", "conditional=true",
                                 "-p", "max_epochs=2", "-p", "batches_per_epoch=3", "-p", "hidden_size=8",
                                 "--device", "cpu", "-o", str(folder)])
    assert fitted.exit_code == 0, fitted.output
    assert "epoch 2: generator loss" in fitted.stderr and "trained 2 epochs" in fitted.stderr
    sampled = runner.invoke(cli, ["sample", str(folder), "-n", "8", "--label", "1", "-o", str(grid)])
    assert sampled.exit_code == 0, sampled.output
    assert grid.stat().st_size > 0
    refused = runner.invoke(cli, ["sample", str(folder), "-n", "8", "--label", "2", "-o", str(grid)])
    assert refused.exit_code == 2 and "labels must lie in 0..1" in refused.stderr


def test_training_warnings_are_one_plain_line_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setattr(adversarial, "COLLAPSED_DIVERSITY", 100.0)  # any diversity counts as collapse
    archive = tmp_path / "halves.npz"
    np.savez(archive, images=np.rint(half_lit_images(40)[0] * 16).astype(np.uint8))
    result = CliRunner().invoke(cli, ["fit", str(archive), "-m", "gan", "-p", "max_epochs=1",
                                      "-p", "batches_per_epoch=2", "-p", "hidden_size=8", "--device", "cpu",
                                      "-o", str(tmp_path / "gan")])
    assert result.exit_code == 0, result.output
    assert "warning: mode collapse" in result.stderr and "TrainingWarning" not in result.stderr


def test_settings_left_at_none_follow_what_is_learned(tmp_path):
    from forecastgen_adversarial.gan import KIND_DEFAULTS

    quick = {"max_epochs": 1, "batches_per_epoch": 2, "device": "cpu"}
    windows = GAN(**quick).fit(level_windows(40))
    assert windows.settings_ == {**KIND_DEFAULTS["windows"], "max_epochs": 1}
    assert windows.game_.generator.first.out_channels == KIND_DEFAULTS["windows"]["hidden_size"]
    images = GAN(generator_lr=1e-4, **quick).fit(half_lit_images(32)[0])
    assert images.settings_ == {**KIND_DEFAULTS["images"], "max_epochs": 1, "generator_lr": 1e-4}
    assert GAN().get_params()["hidden_size"] is None  # the parameter itself stays as given
    save_checkpoint(windows, tmp_path / "w")
    assert load_checkpoint(tmp_path / "w").settings_ == windows.settings_


def test_class_conditional_windows_obey_their_class_and_their_past():
    """Class 0 windows sit at +1, class 1 at -1: the class alone decides the level."""
    windows = level_windows(400)
    classes = (windows.mean(axis=1) < 0).astype(np.int64)
    model = GAN(conditional=True, max_epochs=15, **FAST).fit(windows, classes)
    assert model.classes_ == 2
    up, down = model.sample(200, seed=0, labels=0), model.sample(200, seed=0, labels=1)
    assert (up.mean(axis=1) > 0).mean() > 0.9 and (down.mean(axis=1) < 0).mean() > 0.9
    futures = model.sample_future(np.ones((2, 3)), 5, 50, seed=0, labels=[0, 1])
    assert futures.shape == (2, 50, 5)
    assert futures[0].mean() > futures[1].mean()
    with pytest.raises(InputError, match=r"labels must lie in 0..1"):
        model.sample(2, labels=2)


def test_windows_conditioned_on_covariates_follow_them_and_save(tmp_path):
    """A window sits at the level its covariate gives (+1 or -1 at every step): only the
    covariate tells which, so samples and futures must read it."""
    windows = level_windows(400)
    conditions = np.sign(windows.mean(axis=1))[:, None, None].repeat(8, axis=1)
    model = GAN(max_epochs=15, **FAST).fit(windows, conditions=conditions)
    assert model.covariates_ == 1
    up = model.sample(200, seed=0, conditions=np.ones((1, 8, 1)))
    down = model.sample(200, seed=0, conditions=-np.ones((1, 8, 1)))
    assert (up.mean(axis=1) > 0).mean() > 0.9 and (down.mean(axis=1) < 0).mean() > 0.9
    given = np.stack([np.ones((8, 1)), -np.ones((8, 1))])
    futures = model.sample_future(np.zeros((2, 3)), 5, 50, seed=0, conditions=given)
    assert futures.shape == (2, 50, 5) and futures[0].mean() > 0.5 > -0.5 > futures[1].mean()
    save_checkpoint(model, tmp_path / "covariates")
    loaded = load_checkpoint(tmp_path / "covariates")
    np.testing.assert_array_equal(loaded.sample_future(np.zeros((2, 3)), 5, 4, seed=1, conditions=given),
                                  model.sample_future(np.zeros((2, 3)), 5, 4, seed=1, conditions=given))
    with pytest.raises(InputError, match="fitted with 1 covariates per step, so it needs their values"):
        model.sample(2)
    with pytest.raises(InputError, match=r"conditions must be finite, of shape \(2, 8, 1\)"):
        model.sample_future(np.zeros((2, 3)), 5, 4, conditions=np.ones((2, 7, 1)))
    with pytest.raises(InputError, match="covariates \\(conditions\\) are for windows"):
        GAN(**FAST).fit(half_lit_images(20)[0], conditions=np.ones((20, 8, 1)))
