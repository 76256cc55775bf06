"""``cvae``: a conditional variational autoencoder of windows that forecasts.

Sohn, Lee & Yan (2015), "Learning Structured Output Representation using Deep
Conditional Generative Models", NeurIPS: the VAE of Kingma & Welling with both
networks given a condition. Here the condition is the known (past) part of a window
and the output its unknown (future) part. The encoder sees the whole window and which
steps are known, q(z | window) = N(mu, diag sigma^2); the decoder sees z and the known
steps only and gives each unknown step a Gaussian (its own mean and scale, so the
spread can depend on the past); the prior is N(0, I). Training minimizes
E_q[-log p(future | z, past)] + beta KL(q || N(0, I)) on the future steps alone.

With ``context_length`` set, every window is split there (the forecasting case: the
window adapter of ``forecastgen predict`` sets it to its context). Left ``None``, each
training window is split at a random step, so the model completes windows from any
known prefix, including none (``sample`` draws whole windows then). Forecasts draw
z ~ N(0, I) and decode it with the given past; ``log_likelihood`` is the
importance-weighted estimate of log p(future | past) in nats (Burda et al. 2016).

Covariates (``conditions``: their values at every step of each window, (n, length,
covariates), as the window forecaster gives them) join the condition of both networks,
flattened beside the known steps: p(future | z, past, covariates), as Sohn et al.'s
condition is any observed input. More than two covariates are first mapped to two
channels per step by one linear map shared over the steps: a window of 28 steps and 11
covariates then adds 56 inputs, not 308, which a few hundred windows could not learn (on
Chicago's ridership the 308 made its MASE 2.13, the 56 0.98; benchmarks/results/
covariates_benchmark.md). A model fitted with them forecasts only with them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from forecastgen.covariate_inputs import window_condition_tensor, window_conditions
from forecastgen.data.items import as_item_array
from forecastgen.errors import InputError
from forecastgen_latent.vae import LOG_VARIANCE_LIMIT, LatentBounds, NeuralDensity

LOG_SCALE_RANGE = (-7.0, 5.0)
COVARIATE_CHANNELS = 2  # what each step's covariates are summarized to


class ConditionalVAE(NeuralDensity):
    name = "cvae"
    capabilities = frozenset({"forecast", "sample", "series", "covariates"})
    parameter_help = {
        "context_length": "the known past of each window (null: train on random splits, complete any prefix)",
        "latent_dim": "dimensions of the latent code z",
        "hidden_size": "units of the encoder and decoder MLPs",
        "beta": "weight of the KL term",
    }

    def __init__(self, context_length: int | None = None, latent_dim: int = 4, hidden_size: int = 128,
                 beta: float = 1.0, max_epochs: int = 50, batch_size: int = 128,
                 batches_per_epoch: int | None = 50, learning_rate: float = 1e-3, patience: int = 8,
                 device: str = "auto", precision: str = "auto", seed: int = 0):
        self.store_params(locals())

    def fit(self, windows, conditions=None) -> ConditionalVAE:
        """Learn p(future | past) from windows (n, length), one channel; with ``conditions``
        (n, length, covariates), p(future | past, covariates)."""
        windows = as_item_array(windows, self.name, dtype=np.float32, minimum=10)
        self._likelihood_for(windows)  # (n, length) windows, refused otherwise before their conditions
        self.covariates_ = 0 if conditions is None else int(np.shape(conditions)[-1])
        conditions = window_conditions(self.name, conditions, *windows.shape[:2], self.covariates_)
        self._fit_network(windows, *([] if conditions is None else [conditions]))
        return self

    def _likelihood_for(self, data: np.ndarray) -> str:
        if data.ndim != 2 or data.shape[1] < 2:
            raise InputError(f"{self.name}: give windows of one series as rows, shape (n, length) with "
                             f"length >= 2; got {data.shape}")
        if self.context_length is not None and not 0 < self.context_length < data.shape[1]:
            raise InputError(f"{self.name}: context_length {self.context_length} leaves no past or no "
                             f"future in windows of {data.shape[1]} steps")
        return "gaussian"

    def _build(self, shape: tuple[int, ...], likelihood: str) -> nn.Module:
        return _ConditionalNetwork(shape[0], self.hidden_size, self.latent_dim, self.covariates_)

    def _loss(self, network: nn.Module, batch: tuple) -> torch.Tensor:
        x = batch[0].float()
        covariates = batch[1].float() if len(batch) > 1 else x.new_zeros(*x.shape, 0)
        return -network.elbo(x, self.beta, self._training_mask(x), covariates).mean()

    def _training_mask(self, x: torch.Tensor) -> torch.Tensor:
        """1 where a step is known: the first ``context_length`` steps, or a random prefix."""
        length = x.shape[1]
        if self.context_length is not None:
            return known_prefix(self.context_length, x)
        return known_prefix(torch.randint(0, length, (len(x), 1), device=x.device), x)

    # -- forecasting and sampling -----------------------------------------------------------
    @torch.no_grad()
    def sample_future(self, past: np.ndarray, horizon: int, num_samples: int,
                      seed: int | None = None, conditions=None) -> np.ndarray:
        """Futures of ``horizon`` steps after each row of ``past``: (batch, num_samples, horizon);
        ``conditions`` (batch, length, covariates) where the model was fitted with them."""
        self.check_is_fitted()
        past = np.asarray(past, dtype=np.float32)
        length = self.shape_[0]
        context = past.shape[1] if past.ndim == 2 else -1
        if context < 0 or context + horizon > length or horizon < 1:
            raise InputError(f"{self.name}: the past ({np.shape(past)}) and {horizon} future steps must "
                             f"fit in the fitted windows of {length} steps, past shape (batch, steps)")
        if self.context_length is not None and context != self.context_length:
            raise InputError(f"{self.name}: fitted to forecast from {self.context_length} past steps, "
                             f"got {context}; refit with context_length=None to complete any prefix")
        generator = torch.Generator(device=self.device_).manual_seed(0 if seed is None else seed)
        x = torch.zeros(len(past) * num_samples, length, device=self.device_)
        x[:, :context] = torch.as_tensor(past, device=self.device_).repeat_interleave(num_samples, 0)
        known = known_prefix(context, x)
        covariates = self._covariate_tensor(conditions, (len(past), length)).repeat_interleave(num_samples, 0)
        z = torch.randn(len(x), self.latent_dim, generator=generator, device=self.device_)
        mean, log_scale = self.network_.predictive(z, x, known, covariates)
        noise = torch.randn(mean.shape, generator=generator, device=self.device_)
        future = (mean + noise * log_scale.exp())[:, context:context + horizon]
        return future.double().cpu().numpy().reshape(len(past), num_samples, horizon)

    def sample(self, num_samples: int, seed: int | None = None, conditions=None) -> np.ndarray:
        """Whole windows (num_samples, length): needs ``context_length=None`` (random splits);
        ``conditions`` (1, length, covariates): the covariates of the window, where the model
        was fitted with them."""
        self.check_is_fitted()
        if self.context_length is not None:
            raise InputError(f"{self.name}: fitted to forecast from {self.context_length} past steps, "
                             "so it cannot draw whole windows; refit with context_length=None")
        return self.sample_future(np.zeros((1, 0)), self.shape_[0], num_samples, seed, conditions)[0]

    def _covariate_tensor(self, conditions, shape: tuple[int, int]) -> torch.Tensor:
        """The conditions, checked, as (rows, length, covariates) on the model's device."""
        return window_condition_tensor(self.name, conditions, *shape, self.covariates_, self.device_)

    @torch.no_grad()
    def log_likelihood(self, windows, context: int | None = None, samples: int = 100,
                       seed: int | None = 0, conditions=None) -> np.ndarray:
        """Importance-weighted estimate of log p(future | past) of each window, nats; the past is
        the first ``context`` steps (default: ``context_length``)."""
        x = self._items_tensor(windows)
        covariates = self._covariate_tensor(conditions, tuple(x.shape))
        context = self.context_length if context is None else context
        if context is None or not 0 <= context < x.shape[1]:
            raise InputError(f"{self.name}: say how many steps are known with context=, from 0 to "
                             f"{x.shape[1] - 1}")
        known = known_prefix(context, x)
        generator = torch.Generator(device=self.device_).manual_seed(0 if seed is None else seed)
        return torch.cat([self.network_.importance_weighted(chunk, samples, generator, mask, given)
                          for chunk, mask, given in zip(x.split(256), known.split(256), covariates.split(256))
                          ]).double().cpu().numpy()

    def checkpoint_state(self) -> tuple[dict, dict]:
        tensors, state = super().checkpoint_state()
        return tensors, {**state, "covariates": self.covariates_}

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        self.covariates_ = int(state.get("covariates", 0))  # 0 in checkpoints from before them
        super().restore_checkpoint(tensors, state)


class _ConditionalNetwork(LatentBounds):
    """MLP encoder (window, mask, covariates) and decoder (z, known steps, mask, covariates)."""

    def __init__(self, length: int, hidden: int, latent: int, covariates: int = 0):
        super().__init__()
        # many covariates: each step's -> a few channels, by one map shared over the steps, so
        # the networks read length x channels numbers, not length x covariates
        channels = min(covariates, COVARIATE_CHANNELS)
        self.summary = nn.Linear(covariates, channels) if covariates > COVARIATE_CHANNELS else None
        given = length * channels
        self.encoder = _mlp(2 * length + given, hidden, 2 * latent)
        self.decoder = _mlp(latent + 2 * length + given, hidden, 2 * length)

    def _given(self, covariates: torch.Tensor) -> torch.Tensor:
        """(rows, length, covariates) -> the flattened steps' covariates or their summaries."""
        return (covariates if self.summary is None else self.summary(covariates)).flatten(1)

    def posterior(self, x: torch.Tensor, known: torch.Tensor,
                  covariates: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inputs = torch.cat([x, known, self._given(covariates)], dim=-1)
        mean, log_variance = self.encoder(inputs).chunk(2, dim=-1)
        return mean, log_variance.clamp(-LOG_VARIANCE_LIMIT, LOG_VARIANCE_LIMIT)

    def predictive(self, z: torch.Tensor, x: torch.Tensor, known: torch.Tensor, covariates: torch.Tensor):
        """Each step's Gaussian mean and log scale given z, the known steps and the covariates."""
        inputs = torch.cat([z, x * known, known, self._given(covariates)], dim=-1)
        mean, log_scale = self.decoder(inputs).float().chunk(2, dim=-1)
        return mean, log_scale.clamp(*LOG_SCALE_RANGE)

    def reconstruction(self, x: torch.Tensor, z: torch.Tensor, known: torch.Tensor,
                       covariates: torch.Tensor) -> torch.Tensor:
        """log p(unknown steps | z, known steps, covariates), summed over the unknown steps."""
        mean, log_scale = self.predictive(z, x, known, covariates)
        log_density = -0.5 * ((x - mean) / log_scale.exp()).square() - log_scale - 0.5 * np.log(2 * np.pi)
        return (log_density * (1.0 - known)).sum(-1)


def known_prefix(steps, x: torch.Tensor) -> torch.Tensor:
    """1.0 on the first ``steps`` steps of each row of ``x`` (a number, or one per row (n, 1))."""
    return (torch.arange(x.shape[1], device=x.device) < steps).float().expand_as(x)


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, outputs))
