"""Registers the latent-variable models. Imports nothing heavy: classes load on first use."""

from forecastgen import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="gmm", factory="forecastgen_latent.gmm:GaussianMixture", interface="density",
        family="latent", capabilities=frozenset({"forecast", "sample", "log_prob", "series"}),
        summary="Gaussian mixture by EM in torch (scikit-learn's parameters), exact conditioning",
        test_params={"n_components": 2, "max_iter": 20}))
    register(ModelSpec(
        name="vae", factory="forecastgen_latent.vae:VAE", interface="density", family="latent",
        capabilities=frozenset({"sample", "series", "images"}),
        summary="variational autoencoder (MLP or convolutional), ELBO and importance-weighted NLL",
        test_params={"latent_dim": 2, "hidden_size": 16, "max_epochs": 2, "batches_per_epoch": 3}))
    register(ModelSpec(
        name="cvae", factory="forecastgen_latent.cvae:ConditionalVAE", interface="density", family="latent",
        capabilities=frozenset({"forecast", "sample", "series", "covariates"}),
        summary="conditional VAE of windows: samples a window's future given its past (forecasts)",
        test_params={"latent_dim": 2, "hidden_size": 16, "max_epochs": 2, "batches_per_epoch": 3}))
    register(ModelSpec(
        name="ae-gmm", factory="forecastgen_latent.ae_gmm:AutoencoderGMM", interface="density",
        family="latent", capabilities=frozenset({"sample", "series", "images"}),
        summary="autoencoder, then a Gaussian mixture of its codes (two stages); decoded samples",
        test_params={"latent_dim": 2, "hidden_size": 16, "n_components": 2, "max_epochs": 2,
                     "batches_per_epoch": 3}))
