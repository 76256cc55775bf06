"""``ae-gmm``: an autoencoder, then a Gaussian mixture in its latent space.

The two-stage generator of Ghosh et al. (2020), "From Variational to Deterministic
Autoencoders", ICLR (ex-post density estimation): first an autoencoder learns to
encode each item into ``latent_dim`` numbers and decode them back (the VAE's networks,
trained on the reconstruction alone: the encoder's mean is the code, no sampling, no
KL term); then a Gaussian mixture (``gmm``, fitted by EM) learns the distribution of
the codes. New items are mixture samples decoded. The two stages are trained one
after the other and cannot be trained end to end: the mixture is fitted to codes the
finished encoder produces. ``sample(prior="normal")`` decodes z ~ N(0, I) instead,
the baseline the mixture must beat (an autoencoder's codes are not N(0, I)).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from forecastgen.errors import InputError
from forecastgen_latent.gmm import GaussianMixture
from forecastgen_latent.vae import NeuralDensity

MIXTURE_TENSORS = ("weights", "means", "covariances", "precisions_cholesky")


class AutoencoderGMM(NeuralDensity):
    name = "ae-gmm"
    capabilities = frozenset({"sample", "series", "images"})
    parameter_help = {
        "latent_dim": "dimensions of the codes",
        "hidden_size": "width of the encoder and decoder (the VAE's networks)",
        "n_components": "components of the Gaussian mixture of the codes",
        "covariance_type": "the mixture's covariances: full, tied, diag or spherical",
        "likelihood": "the reconstruction loss's distribution: auto (from the data), "
                      "gaussian, bernoulli or binomial",
    }

    def __init__(self, latent_dim: int = 8, hidden_size: int = 256, n_components: int = 10,
                 covariance_type: str = "full", likelihood: str = "auto", max_epochs: int = 50,
                 batch_size: int = 128, batches_per_epoch: int | None = 50,
                 learning_rate: float = 1e-3, patience: int = 8, device: str = "auto",
                 precision: str = "auto", seed: int = 0):
        self.store_params(locals())

    def fit(self, items) -> AutoencoderGMM:
        codes = self.encode(self._fit_network(items))
        self.mixture_ = GaussianMixture(min(self.n_components, len(codes)), self.covariance_type,
                                        reg_covar=1e-4, random_state=self.seed, device="cpu").fit(codes)
        return self

    @torch.no_grad()
    def encode(self, items) -> np.ndarray:
        """The code of each item: (n, latent_dim)."""
        x = self._items_tensor(items)
        return torch.cat([self.network_.posterior(chunk)[0] for chunk in x.split(256)]).double().cpu().numpy()

    @torch.no_grad()
    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Items decoded from codes: the decoder's mean (probabilities for binary items; images
        within [0, 1])."""
        self.check_is_fitted()
        z = torch.as_tensor(np.asarray(codes), dtype=torch.float32, device=self.device_)
        output = self.network_.decode(z)
        return self._as_items(torch.sigmoid(output) if self.network_.trials else output)

    def sample(self, num_samples: int, seed: int | None = None, prior: str = "mixture") -> np.ndarray:
        """Decoded samples of the latent mixture (or of N(0, I) with ``prior="normal"``)."""
        self.check_is_fitted()
        if prior == "mixture":
            codes = self.mixture_.sample(num_samples, seed=seed)
        elif prior == "normal":
            codes = np.random.default_rng(seed).normal(size=(num_samples, self.latent_dim))
        else:
            raise InputError(f"{self.name}: prior must be 'mixture' or 'normal', not {prior!r}")
        return self.decode(codes)

    def _loss(self, network: nn.Module, batch: tuple) -> torch.Tensor:
        """-log p(x | code), the code being the encoder's mean: a plain autoencoder."""
        x = batch[0].float()
        code, _ = network.posterior(x)
        return -network.reconstruction(x, code).mean()

    def checkpoint_state(self) -> tuple[dict, dict]:
        tensors, state = super().checkpoint_state()
        mixture_tensors, mixture_state = self.mixture_.checkpoint_state()
        tensors.update({f"mixture.{key}": value for key, value in mixture_tensors.items()})
        return tensors, {**state, "mixture": mixture_state,
                         "mixture_params": {"n_components": self.mixture_.n_components,
                                            "covariance_type": self.mixture_.covariance_type}}

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        super().restore_checkpoint({k: v for k, v in tensors.items() if not k.startswith("mixture.")},
                                   state)
        self.mixture_ = GaussianMixture(**state["mixture_params"], device="cpu")
        self.mixture_.restore_checkpoint({name: tensors[f"mixture.{name}"] for name in MIXTURE_TENSORS},
                                         state["mixture"])

