"""forecastgen-latent: density models with latent variables (Gaussian mixtures by EM)."""
