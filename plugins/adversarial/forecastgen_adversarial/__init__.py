"""forecastgen-adversarial: generative adversarial networks for images and series windows."""
