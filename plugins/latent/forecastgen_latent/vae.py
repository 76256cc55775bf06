"""``vae``: a variational autoencoder.

Kingma & Welling (2014), "Auto-Encoding Variational Bayes", ICLR. The encoder maps an
item x to q(z | x) = N(mu(x), diag sigma(x)^2); a point z = mu + sigma * eps is drawn
(the reparameterization trick) and decoded to p(x | z): Bernoulli for binary items;
for images whose pixels take a few levels (k / n, n < 32), each pixel's level is
Binomial(n, p), a discrete likelihood over the levels themselves, so the bound is in
nats of the pixel levels as the pixel models' is; Gaussian with a learned scale per
dimension otherwise (windows, vectors, images of many levels). Training minimizes the
negative evidence lower bound, -ELBO = E_q[-log p(x | z)] + beta KL(q(z | x) || N(0, I))
(beta = 1 is the VAE; Higgins et al. 2017 weigh the KL term). ``elbo`` reports the
bound and ``log_likelihood`` the importance-weighted estimate of log p(x) with K
samples (Burda, Grosse & Salakhutdinov 2016, "Importance Weighted Autoencoders"),
both in nats per item. Networks: an MLP for vectors and windows, strided convolutions
for images (n, channels, height, width) whose sides divide by 4. Sampling draws
z ~ N(0, I) and decodes it: a draw of p(x | z) under a Bernoulli or binomial
likelihood, the decoder's mean under a Gaussian one (a Gaussian draw adds noise that is
independent across dimensions: static over a digit, white noise along a window, which
a classifier tells from real windows at once). Figures in
benchmarks/results/synthesis_benchmark.md.

Trained end to end by the engine's trainer (devices, early stopping on a held-out
tenth, seeds, checkpoints). ``log_prob`` is not declared: the likelihood is only
estimated.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits, logsigmoid

from forecastgen.data.items import as_item_array
from forecastgen.engine.device import resolve_device
from forecastgen.engine.seeding import seed_everything
from forecastgen.engine.trainer import Trainer, TrainingConfig, TrainingHistory, held_out_split
from forecastgen.errors import InputError
from forecastgen.interfaces import DensityModel

LIKELIHOODS = ("auto", "gaussian", "bernoulli", "binomial")
MOST_LEVELS = 256  # a binomial likelihood for items on a grid of at most this many levels
# chosen by "auto" up to this many levels: on the digits (17 levels) it beat the Gaussian
# (Frechet distance 1.09 against 6.2); on MNIST (256) it did not (26.8 against 24.6): a sum
# of 255-trial log-probabilities outweighs the KL term and the codes lose their prior
AUTO_BINOMIAL_LEVELS = 32
LOG_VARIANCE_LIMIT = 10.0


class NeuralDensity(DensityModel):
    """What the VAE and AE+GMM's autoencoder share: one encoder/decoder network over items of
    a fixed shape, trained by the engine on all items but a held-out tenth (early
    stopping), saved as its weights. Subclasses give the loss."""

    def _fit_network(self, items, *conditions: np.ndarray) -> np.ndarray:
        """Train ``network_`` on the items (with ``conditions``: arrays of one row per item,
        in each batch after the items); returns them as float32 (n, *shape_)."""
        data = as_item_array(items, self.name, dtype=np.float32, minimum=10)
        likelihood = self._likelihood_for(data)
        seed_everything(self.seed)
        network = self._build(data.shape[1:], likelihood)
        train, held = held_out_split((data, *conditions), self.seed)
        trainer = Trainer(TrainingConfig.from_params(self.get_params()))
        self.history_: TrainingHistory = trainer.fit(network, self._loss, train, held)
        self.network_, self.shape_, self.likelihood_ = network.eval(), tuple(data.shape[1:]), likelihood
        self.device_ = trainer.device
        return data

    def _loss(self, network: nn.Module, batch: tuple) -> torch.Tensor:
        raise NotImplementedError

    def _likelihood_for(self, data: np.ndarray) -> str:
        return choose_likelihood(self.likelihood, data)

    def _build(self, shape: tuple[int, ...], likelihood: str) -> nn.Module:
        return build_network(shape, self.hidden_size, self.latent_dim, likelihood)

    def _items_tensor(self, items) -> torch.Tensor:
        """Items of the fitted shape, on the model's device."""
        self.check_is_fitted()
        data = as_item_array(items, self.name, dtype=np.float32)
        if tuple(data.shape[1:]) != self.shape_:
            raise InputError(f"{self.name}: fitted on items of shape {self.shape_}, not {data.shape[1:]}")
        return torch.as_tensor(data, device=self.device_)

    def _as_items(self, decoded: torch.Tensor) -> np.ndarray:
        """Decoded items as float64; images clipped to [0, 1], the range every image is read into
        (a Gaussian decoder's mean strays a little outside it, and image writers and scores
        refuse negative pixels)."""
        if len(self.shape_) == 3:
            decoded = decoded.clamp(0.0, 1.0)
        return decoded.double().cpu().numpy()

    def checkpoint_state(self) -> tuple[dict, dict]:
        return dict(self.network_.state_dict()), {
            "shape": list(self.shape_), "likelihood": self.likelihood_, "history": self.history_.to_dict()}

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        self.shape_, self.likelihood_ = tuple(state["shape"]), state["likelihood"]
        self.history_ = TrainingHistory(**state["history"])
        network = self._build(self.shape_, self.likelihood_)
        network.load_state_dict(tensors)
        self.device_ = resolve_device(self.device)
        self.network_ = network.to(self.device_).eval()


class VAE(NeuralDensity):
    name = "vae"
    capabilities = frozenset({"sample", "series", "images"})
    parameter_help = {
        "latent_dim": "dimensions of the latent code z",
        "hidden_size": "width of the encoder and decoder (MLP units; channels for images)",
        "beta": "weight of the KL term (1: the ELBO; above 1: beta-VAE)",
        "likelihood": "the decoder's distribution: auto (from the data), gaussian, bernoulli or binomial",
    }

    def __init__(self, latent_dim: int = 8, hidden_size: int = 256, beta: float = 1.0,
                 likelihood: str = "auto", max_epochs: int = 50, batch_size: int = 128,
                 batches_per_epoch: int | None = 50, learning_rate: float = 1e-3, patience: int = 8,
                 device: str = "auto", precision: str = "auto", seed: int = 0):
        self.store_params(locals())

    def fit(self, items) -> VAE:
        self._fit_network(items)
        return self

    def _likelihood_for(self, data: np.ndarray) -> str:
        if self.likelihood == "auto" and data.ndim == 4 and not np.isin(data, (0.0, 1.0)).all():
            trials = grid_trials(data)
            if trials is not None and trials < AUTO_BINOMIAL_LEVELS:
                return f"binomial:{trials}"
        return choose_likelihood(self.likelihood, data)

    def _loss(self, network: nn.Module, batch: tuple) -> torch.Tensor:
        return -network.elbo(batch[0].float(), self.beta).mean()

    # -- scores ---------------------------------------------------------------------------
    @torch.no_grad()
    def elbo(self, items) -> np.ndarray:
        """The evidence lower bound of each item (beta = 1), nats; one draw of z."""
        return self._per_item(items, lambda network, x: network.elbo(x, 1.0))

    @torch.no_grad()
    def log_likelihood(self, items, samples: int = 100, seed: int | None = 0) -> np.ndarray:
        """Importance-weighted estimate of log p(x) with ``samples`` draws of z, nats."""
        generator = torch.Generator(device=self.device_).manual_seed(0 if seed is None else seed)
        return self._per_item(items, lambda network, x: network.importance_weighted(x, samples, generator))

    def _per_item(self, items, score) -> np.ndarray:
        x = self._items_tensor(items)
        return torch.cat([score(self.network_, chunk).double() for chunk in x.split(256)]).cpu().numpy()

    # -- sampling ------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, num_samples: int, seed: int | None = None, mean: bool | None = None) -> np.ndarray:
        """Items decoded from z ~ N(0, I): drawn from p(x | z), or its mean with ``mean=True``.
        By default (None) the mean under a Gaussian likelihood, whose noise is independent
        across dimensions (static over an image, white noise along a window), and draws
        under a Bernoulli or binomial one (values on the data's levels)."""
        self.check_is_fitted()
        if mean is None:
            mean = self.likelihood_ == "gaussian"
        generator = torch.Generator(device=self.device_).manual_seed(0 if seed is None else seed)
        z = torch.randn(num_samples, self.latent_dim, generator=generator, device=self.device_)
        output = self.network_.decode(z)
        if self.network_.trials:  # Bernoulli (one trial) or binomial: the levels' share p
            probabilities = torch.sigmoid(output)
            if mean:
                return probabilities.double().cpu().numpy()
            levels = torch.zeros_like(probabilities)
            for _ in range(self.network_.trials):
                uniform = torch.rand(probabilities.shape, generator=generator, device=self.device_)
                levels += uniform < probabilities
            return (levels / self.network_.trials).double().cpu().numpy()
        if mean:
            return self._as_items(output)
        noise = torch.randn(output.shape, generator=generator, device=self.device_)
        return self._as_items(output + noise * self.network_.log_scale.exp())

class LatentBounds(nn.Module):
    """The ELBO and the importance-weighted bound of any network with a Gaussian posterior
    ``posterior(x, *condition)`` and a likelihood ``reconstruction(x, z, *condition)``."""

    def elbo(self, x: torch.Tensor, beta: float, *condition) -> torch.Tensor:
        mean, log_variance = self.posterior(x, *condition)
        z = mean + (0.5 * log_variance).exp() * torch.randn_like(mean)
        kl = 0.5 * (mean.square() + log_variance.exp() - 1.0 - log_variance).sum(-1)
        return self.reconstruction(x, z, *condition) - beta * kl

    def importance_weighted(self, x: torch.Tensor, samples: int, generator: torch.Generator,
                            *condition) -> torch.Tensor:
        mean, log_variance = self.posterior(x, *condition)
        std = (0.5 * log_variance).exp()
        weights = []
        for _ in range(samples):
            eps = torch.randn(mean.shape, generator=generator, device=mean.device)
            z = mean + std * eps
            log_prior = -0.5 * (z.square() + math.log(2 * math.pi)).sum(-1)
            log_posterior = (-0.5 * (eps.square() + math.log(2 * math.pi)) - 0.5 * log_variance).sum(-1)
            weights.append(self.reconstruction(x, z, *condition) + log_prior - log_posterior)
        return torch.logsumexp(torch.stack(weights), dim=0) - math.log(samples)


class _VAENetwork(LatentBounds):
    """An encoder/decoder pair over items of one shape, Bernoulli or Gaussian likelihood."""

    def __init__(self, shape: tuple[int, ...], likelihood: str):
        super().__init__()
        self.shape, self.likelihood = tuple(shape), likelihood
        self.trials = likelihood_trials(likelihood)  # 0: Gaussian
        self.log_scale = nn.Parameter(torch.zeros(shape)) if likelihood == "gaussian" else None

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_variance = self.encode(x).chunk(2, dim=-1)
        return mean, log_variance.clamp(-LOG_VARIANCE_LIMIT, LOG_VARIANCE_LIMIT)

    def reconstruction(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x | z) summed over each item's dimensions."""
        output = self.decode(z).float()
        dims = tuple(range(1, x.dim()))
        if self.likelihood == "bernoulli":
            return -binary_cross_entropy_with_logits(output, x, reduction="none").sum(dims)
        if self.trials:
            return binomial_log_pmf(x * self.trials, self.trials, output).sum(dims)
        scale = self.log_scale.float()
        squared = ((x - output) / scale.exp()).square()
        return (-0.5 * squared - scale - 0.5 * math.log(2 * math.pi)).sum(dims)


class _MLP(_VAENetwork):
    def __init__(self, shape, hidden: int, latent: int, likelihood: str):
        super().__init__(shape, likelihood)
        dim = int(np.prod(shape))
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(dim, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                     nn.ReLU(), nn.Linear(hidden, dim))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z).view(-1, *self.shape)


class _Convolutional(_VAENetwork):
    """Two stride-2 convolutions down and two transposed ones up (sides divide by 4)."""

    def __init__(self, shape, hidden: int, latent: int, likelihood: str):
        super().__init__(shape, likelihood)
        channels, height, width = shape
        self.small = (64, height // 4, width // 4)
        flat = int(np.prod(self.small))
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),
            nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        self.expand = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, flat), nn.ReLU())
        self.decoder = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(32, channels, 4, 2, 1))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(self.expand(z).view(-1, *self.small))


def build_network(shape, hidden: int, latent: int, likelihood: str) -> _VAENetwork:
    """Strided convolutions for images whose sides divide by 4, else an MLP."""
    if len(shape) == 3 and shape[1] % 4 == 0 and shape[2] % 4 == 0:
        return _Convolutional(shape, hidden, latent, likelihood)
    return _MLP(shape, hidden, latent, likelihood)


def grid_trials(data: np.ndarray) -> int | None:
    """n where every value is one of 0, 1/n, ..., 1 (pixel levels scaled to [0, 1]) and
    n < MOST_LEVELS; None for values off such a grid."""
    if data.min() < 0 or data.max() > 1:
        return None
    values = np.unique(data)
    if len(values) < 3:
        return None
    trials = int(round(1.0 / np.diff(values).min()))
    if trials >= MOST_LEVELS or not np.allclose(values * trials, np.rint(values * trials), atol=1e-3):
        return None
    return trials


def likelihood_trials(likelihood: str) -> int:
    """Trials of a Bernoulli ("bernoulli": 1) or binomial ("binomial:16") likelihood; 0 otherwise."""
    if likelihood == "bernoulli":
        return 1
    return int(likelihood.partition(":")[2]) if likelihood.startswith("binomial:") else 0


def binomial_log_pmf(successes: torch.Tensor, trials: int, logits: torch.Tensor) -> torch.Tensor:
    """log Binomial(successes; trials, sigmoid(logits)), element-wise."""
    successes = successes.round()
    n = torch.tensor(float(trials), device=logits.device)
    combinations = torch.lgamma(n + 1) - torch.lgamma(successes + 1) - torch.lgamma(n - successes + 1)
    return combinations + successes * logsigmoid(logits) + (n - successes) * logsigmoid(-logits)


def choose_likelihood(likelihood: str, data: np.ndarray) -> str:
    """Bernoulli for 0/1 items, Gaussian otherwise, unless one is named."""
    if likelihood not in LIKELIHOODS:
        raise InputError(f"likelihood must be one of {', '.join(LIKELIHOODS)}, not {likelihood!r}")
    if likelihood == "binomial":
        trials = grid_trials(data)
        if trials is None:
            raise InputError(f"likelihood='binomial' needs items whose values are levels k / n in "
                             f"[0, 1] with n < {MOST_LEVELS} (scaled image pixels); use 'gaussian'")
        return f"binomial:{trials}"
    if likelihood != "auto":
        return likelihood
    return "bernoulli" if np.isin(data, (0.0, 1.0)).all() else "gaussian"
