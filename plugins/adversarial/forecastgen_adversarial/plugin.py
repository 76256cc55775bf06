"""Registers the adversarial models. Imports nothing heavy: classes load on first use."""

from forecastgen import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="gan", factory="forecastgen_adversarial.gan:GAN", interface="density", family="adversarial",
        capabilities=frozenset({"forecast", "sample", "series", "images", "labels",
                                "covariates"}),
        summary="GAN (DCGAN images, causal-convolution windows): hinge loss, spectral norm, EMA; "
                "class- or past-conditional, so it forecasts",
        test_params={"latent_dim": 2, "hidden_size": 8, "max_epochs": 2, "batches_per_epoch": 3}))
