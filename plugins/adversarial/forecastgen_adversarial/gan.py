"""``gan``: a generative adversarial network for images and series windows.

Goodfellow et al. (2014), "Generative Adversarial Nets": a generator turns random latent
vectors into items and a discriminator learns to tell them from real ones; trained in
turns, the generator learns to make items the discriminator cannot tell apart. The
players depend on the items: DCGAN-style convolutions for images (n, channels, height,
width) (``image_game.py``), a causal convolutional generator and a convolutional
discriminator for windows of a series (n, length) or (n, length, channels)
(``window_game.py``). The width, epochs and learning rates left at None follow the items
(``KIND_DEFAULTS``): images train long and wide, windows short and narrow.

Stable by default (the engine's ``AdversarialTrainer``): hinge loss, spectral
normalization in the discriminator, separate learning rates, an optional R1 penalty and
an exponential moving average of the generator weights, which is what samples. Each
epoch's losses, discriminator accuracy and sample diversity are in ``history_``; mode
collapse and a runaway player raise a ``TrainingWarning``.

Conditioning: ``conditional=True`` learns p(item | class) from labels (a digit, or a
calendar feature of a window such as the hour its first step falls on); window GANs are
also always conditioned on a known prefix of the window (none for some training
windows), so they sample whole windows and forecast by sampling a window's future given
its past (``sample_future``, with a class too where there are classes; ``forecastgen
predict --model gan``). Window GANs also take covariates, ``conditions`` (n, length,
covariates): values known at every step of a window (a promotion, the temperature), inputs
of both players at each step; a GAN fitted with them samples only given them (the window
forecaster passes the known future ones). ``invert`` finds latent vectors
whose generated items match given ones; ``generate`` maps latent vectors to items.

A GAN has no explicit density: ``log_prob`` is not declared.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn.functional import mse_loss

from forecastgen.covariate_inputs import window_condition_tensor
from forecastgen.data.images import chosen_labels, grid_levels, training_labels
from forecastgen.data.items import as_item_array
from forecastgen.engine.adversarial import AdversarialConfig, AdversarialHistory, AdversarialTrainer
from forecastgen.engine.device import resolve_device
from forecastgen.engine.seeding import seed_everything
from forecastgen.errors import InputError, NotSupportedError
from forecastgen.interfaces import DensityModel
from forecastgen_adversarial.image_game import ImageGame
from forecastgen_adversarial.window_game import WindowGame

IMAGES, WINDOWS = "images", "windows"
MIN_ITEMS = 10
INVERSION_PRIOR = 1e-3
# the settings left at None take these by what is learned: images train long and wide with
# DCGAN's learning rates; windows train short, narrow and faster, so that `predict -m gan`
# takes under a minute on two cores (benchmarks/results/gan_windows.md measures the choice)
KIND_DEFAULTS = {
    IMAGES: {"hidden_size": 64, "max_epochs": 50, "generator_lr": 2e-4, "discriminator_lr": 2e-4},
    WINDOWS: {"hidden_size": 32, "max_epochs": 12, "generator_lr": 1e-3, "discriminator_lr": 1e-3},
}


class GAN(DensityModel):
    name = "gan"
    capabilities = frozenset({"forecast", "sample", "series", "images", "labels", "covariates"})
    parameter_help = {
        "latent_dim": "dimensions of the generator's random input",
        "hidden_size": "width of both players",
        "conditional": "learn p(item | class) from the labels",
        "context_length": "the known past of windows at sampling",
        "unconditional_share": "share of training windows shown with no known past",
        "supervised_weight": "weight of TimeGAN's next-step loss on the generator (0: none)",
        "loss": "hinge or non-saturating",
        "r1_weight": "weight of the R1 gradient penalty on real items (0: none)",
        "generator_lr": "the generator's Adam learning rate",
        "discriminator_lr": "the discriminator's Adam learning rate",
        "discriminator_steps": "discriminator steps per generator step",
        "ema_decay": "decay of the moving average of the generator's weights, which samples",
    }
    parameter_notes = {
        **{name: f"images {KIND_DEFAULTS[IMAGES][name]:g}, windows {KIND_DEFAULTS[WINDOWS][name]:g}"
           for name in KIND_DEFAULTS[IMAGES]},
        "context_length": "any known prefix (predict sets it)"}

    def __init__(self, latent_dim: int = 16, hidden_size: int | None = None, conditional: bool = False,
                 context_length: int | None = None, unconditional_share: float = 0.5,
                 supervised_weight: float = 0.0, loss: str = "hinge", r1_weight: float = 0.0,
                 generator_lr: float | None = None, discriminator_lr: float | None = None,
                 discriminator_steps: int = 1, ema_decay: float = 0.999, max_epochs: int | None = None,
                 batch_size: int = 64,
                 batches_per_epoch: int | None = 50, device: str = "auto", precision: str = "auto",
                 seed: int = 0):
        self.store_params(locals())

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, items, labels=None, conditions=None) -> GAN:
        """Learn to generate items like ``items``: images (n, c, h, w) in [0, 1] or an ImageSet,
        or windows (n, length[, channels]); with ``conditional=True``, one class label per item
        in ``labels`` (or the ImageSet's); ``conditions`` (n, length, covariates): the windows'
        covariates at every step."""
        data = as_item_array(items, self.name, dtype=np.float32, minimum=MIN_ITEMS)
        kind = IMAGES if data.ndim == 4 else WINDOWS
        self._check_settings(kind, data)
        covariates = self._training_covariates(kind, data, conditions)
        labels = self._training_labels(items, labels, len(data))
        if kind == IMAGES:
            self.levels_ = grid_levels(data)
            self.loc_, self.scale_ = None, None
            if data.min() < 0 or data.max() > 1:
                raise InputError(f"{self.name}: images must be scaled to [0, 1]; got values from "
                                 f"{data.min():.3g} to {data.max():.3g}")
            prepared = data
        else:
            self.levels_ = None
            prepared, self.loc_, self.scale_ = _standardize(_as_windows(data))
        self.kind_, self.shape_ = kind, tuple(data.shape[1:])
        self.settings_ = self.kind_settings(kind)
        self.classes_ = int(labels.max()) + 1 if self.conditional else 0
        seed_everything(self.seed)
        game = self._build(prepared.shape[1:])
        trainer = AdversarialTrainer(AdversarialConfig.from_params({**self.get_params(), **self.settings_}))
        tensors = [torch.as_tensor(prepared), torch.as_tensor(labels)]
        dataset = torch.utils.data.TensorDataset(*tensors, *([] if kind == IMAGES else [covariates]))
        self.history_: AdversarialHistory = trainer.fit(game, dataset)
        self.game_, self.device_ = game.eval(), trainer.device
        return self

    def kind_settings(self, kind: str) -> dict:
        """The width, epochs and learning rates for items of ``kind`` (images or windows):
        the parameters as given, those left at None from ``KIND_DEFAULTS``."""
        return {name: default if getattr(self, name) is None else getattr(self, name)
                for name, default in KIND_DEFAULTS[kind].items()}

    def _build(self, shape: tuple[int, ...]):
        hidden = self.settings_["hidden_size"]
        if self.kind_ == IMAGES:
            return ImageGame(shape, self.latent_dim, hidden, self.classes_)
        return WindowGame(shape[0], shape[1], self.latent_dim, hidden, self.context_length,
                          self.unconditional_share, self.supervised_weight, self.classes_,
                          self.covariates_)

    def _check_settings(self, kind: str, data: np.ndarray) -> None:
        if kind == WINDOWS and (data.ndim not in (2, 3) or data.shape[1] < 2):
            raise InputError(f"{self.name}: give windows as rows, shape (n, length) or (n, length, "
                             f"channels) with length >= 2, or images (n, channels, height, width); "
                             f"got {data.shape}")
        context = self.context_length
        if kind == WINDOWS and context is not None and not 0 < context < data.shape[1]:
            raise InputError(f"{self.name}: context_length {self.context_length} leaves no past or no "
                             f"future in windows of {data.shape[1]} steps")
        if not 0.0 <= self.unconditional_share <= 1.0:
            raise InputError(f"{self.name}: unconditional_share must lie in [0, 1], not "
                             f"{self.unconditional_share}")

    def _training_covariates(self, kind: str, data: np.ndarray, conditions) -> torch.Tensor:
        """The windows' covariates (n, length, covariates) as float32 (empty without them);
        sets ``covariates_``."""
        if conditions is not None and kind == IMAGES:
            raise InputError(f"{self.name}: covariates (conditions) are for windows; condition images "
                             "on classes with conditional=True and labels")
        self.covariates_ = 0 if conditions is None else int(np.shape(conditions)[-1])
        return window_condition_tensor(self.name, conditions, len(data), data.shape[1], self.covariates_)

    def _covariate_tensor(self, conditions, count: int) -> torch.Tensor:
        """(count, length, covariates) on the device: the given conditions, checked."""
        return window_condition_tensor(self.name, conditions, count, self.game_.length, self.covariates_,
                                       self.device_)

    def _training_labels(self, items, labels, count: int) -> np.ndarray:
        if not self.conditional:
            return np.zeros(count, dtype=np.int64)
        return training_labels(items, labels, count, self.name)

    def log_prob(self, items) -> np.ndarray:
        raise NotSupportedError(
            f"log_prob is not supported by {self.display_name()}: a GAN has no explicit density, only a "
            "sampler; compare its samples with real data (forecastgen score) or use a density model "
            "(gmm, pixelcnn, vae's estimate) for likelihoods")

    # -- generating -------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, num_samples: int, seed: int | None = None, labels=None, conditions=None) -> np.ndarray:
        """New items (num_samples, *item_shape) from the averaged generator. Class-conditional
        models take ``labels`` (one class or one per item; by default the classes in turn),
        models fitted with covariates their ``conditions`` (one window's or one per item)."""
        self.check_is_fitted()
        random = torch.Generator(device=self.device_).manual_seed(0 if seed is None else seed)
        latents = self.game_.noise(num_samples, random)
        return self._decode(latents, self._condition(num_samples, labels, conditions))

    def generate(self, latents, labels=None, conditions=None) -> np.ndarray:
        """The items the averaged generator makes from ``latents`` (n, latent size)."""
        self.check_is_fitted()
        latents = self._latents(latents)
        with torch.no_grad():
            return self._decode(latents, self._condition(len(latents), labels, conditions))

    @torch.no_grad()
    def sample_future(self, past: np.ndarray, horizon: int, num_samples: int,
                      seed: int | None = None, labels=None, conditions=None) -> np.ndarray:
        """Futures of ``horizon`` steps after each row of ``past`` (batch, steps[, channels]):
        (batch, num_samples, horizon[, channels]). Class-conditional models take ``labels``
        (one class or one per row of ``past``; by default the classes in turn), models fitted
        with covariates their ``conditions`` over each row's window (batch, length, covariates)."""
        self.check_is_fitted()
        if self.kind_ != WINDOWS:
            raise InputError(f"{self.name}: fitted on images; forecasts need a GAN fitted on windows")
        past = self._past(past, horizon)
        batch, context = past.shape[:2]
        length, channels = self.game_.length, past.shape[2]
        values = torch.zeros(batch * num_samples, length, channels, device=self.device_)
        scaled = (past - self.loc_) / self.scale_
        values[:, :context] = torch.as_tensor(scaled, device=self.device_).repeat_interleave(num_samples, 0)
        mask = (torch.arange(length, device=self.device_) < context).expand(len(values), length)
        classes = torch.as_tensor(self._labels(labels, batch), device=self.device_)
        random = torch.Generator(device=self.device_).manual_seed(0 if seed is None else seed)
        covariates = self._covariate_tensor(conditions, batch).repeat_interleave(num_samples, 0)
        condition = (values, mask, classes.repeat_interleave(num_samples), covariates)
        windows = self._generated(self.game_.noise(len(values), random), condition)
        future = windows[:, context:context + horizon].reshape(batch, num_samples, horizon, channels)
        future = future.cpu().numpy()
        return future[..., 0] if len(self.shape_) == 1 else future

    def invert(self, items, labels=None, steps: int = 300, learning_rate: float = 0.05,
               seed: int | None = 0, conditions=None) -> np.ndarray:
        """Latent vectors (n, latent size) whose generated items match ``items`` in mean squared
        error (Adam on the latents from a random start, with a weak pull to N(0, I))."""
        self.check_is_fitted()
        target = self._prepared(items)
        condition = self._condition(len(target), labels, conditions)
        random = torch.Generator(device=self.device_).manual_seed(0 if seed is None else seed)
        latents = self.game_.noise(len(target), random).requires_grad_(True)
        optimizer = torch.optim.Adam([latents], lr=learning_rate)
        for _ in range(steps):
            optimizer.zero_grad(set_to_none=True)
            made = self.game_.average(latents, condition)
            loss = mse_loss(made, target) + INVERSION_PRIOR * latents.square().mean()
            loss.backward()
            optimizer.step()
        return latents.detach().double().cpu().numpy()

    def _generated(self, latents: torch.Tensor, condition) -> torch.Tensor:
        """Items in the data's units from the averaged generator."""
        made = self.game_.average(latents.float(), condition).double()
        if self.kind_ == IMAGES:
            return ((made + 1.0) / 2.0).clamp(0.0, 1.0)
        return made * torch.as_tensor(self.scale_, device=made.device) + torch.as_tensor(
            self.loc_, device=made.device)

    def _decode(self, latents: torch.Tensor, condition) -> np.ndarray:
        items = self._generated(latents, condition).cpu().numpy()
        if self.levels_:
            items = np.rint(items * (self.levels_ - 1)) / (self.levels_ - 1)
        return items.reshape(len(items), *self.shape_)

    # -- inputs -----------------------------------------------------------------------------
    def _condition(self, count: int, labels, conditions=None):
        classes = torch.as_tensor(self._labels(labels, count), device=self.device_)
        if self.kind_ == WINDOWS:
            length, channels = self.game_.length, self.loc_.shape[-1]
            return (torch.zeros(count, length, channels, device=self.device_),
                    torch.zeros(count, length, dtype=torch.bool, device=self.device_), classes,
                    self._covariate_tensor(conditions, count))
        if conditions is not None:
            raise InputError(f"{self.name}: fitted on images, which take no covariates (conditions)")
        return classes

    def _labels(self, labels, count: int) -> np.ndarray:
        if not self.classes_:
            if labels is not None:
                raise InputError(f"{self.name}: not class-conditional; refit with conditional=True to "
                                 "generate chosen classes")
            return np.zeros(count, dtype=np.int64)
        if labels is None:
            return np.arange(count) % self.classes_
        return chosen_labels(labels, count, self.classes_, self.name)

    def _latents(self, latents) -> torch.Tensor:
        latents = np.asarray(latents, dtype=np.float32)
        if latents.ndim != 2 or latents.shape[1] != self.game_.latent_size:
            raise InputError(f"{self.name}: latent vectors must have shape (n, {self.game_.latent_size}), "
                             f"not {latents.shape}")
        return torch.as_tensor(latents, device=self.device_)

    def _prepared(self, items) -> torch.Tensor:
        """Items of the fitted shape as the generator makes them ([-1, 1] images, standardized
        windows)."""
        data = as_item_array(items, self.name, dtype=np.float32)
        if tuple(data.shape[1:]) != self.shape_:
            raise InputError(f"{self.name}: fitted on items of shape {self.shape_}, not {data.shape[1:]}")
        if self.kind_ == IMAGES:
            prepared = data * 2.0 - 1.0
        else:
            prepared = (_as_windows(data) - self.loc_) / self.scale_
        return torch.as_tensor(prepared, dtype=torch.float32, device=self.device_)

    def _past(self, past, horizon: int) -> np.ndarray:
        """The past as (batch, steps, channels), checked against the fitted windows."""
        past = np.asarray(past, dtype=np.float64)
        channels = self.loc_.shape[-1]
        if past.ndim == 2 and channels == 1:
            past = past[:, :, None]
        length = self.game_.length
        if past.ndim != 3 or past.shape[2] != channels or horizon < 1 or past.shape[1] + horizon > length:
            raise InputError(f"{self.name}: the past ({np.shape(past)}) and {horizon} future steps must "
                             f"fit in the fitted windows of {length} steps x {channels} channels, past "
                             "shape (batch, steps[, channels])")
        if not np.isfinite(past).all():
            raise InputError(f"{self.name}: the past holds NaN or inf; fill it first")
        if self.context_length is not None and past.shape[1] != self.context_length:
            raise InputError(f"{self.name}: fitted to forecast from {self.context_length} past steps, got "
                             f"{past.shape[1]}; refit with context_length=None to complete any prefix")
        return past

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint_state(self) -> tuple[dict, dict]:
        state = {"kind": self.kind_, "shape": list(self.shape_), "levels": self.levels_,
                 "settings": self.settings_,
                 "classes": self.classes_, "covariates": self.covariates_,
                 "history": self.history_.to_dict(),
                 "loc": None if self.loc_ is None else self.loc_.tolist(),
                 "scale": None if self.scale_ is None else self.scale_.tolist()}
        return dict(self.game_.state_dict()), state

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        self.kind_, self.shape_, self.levels_ = state["kind"], tuple(state["shape"]), state["levels"]
        self.settings_ = state.get("settings") or self.kind_settings(self.kind_)
        self.classes_, self.history_ = state["classes"], AdversarialHistory(**state["history"])
        self.covariates_ = int(state.get("covariates", 0))  # 0 in checkpoints from before them
        self.loc_ = None if state["loc"] is None else np.asarray(state["loc"])
        self.scale_ = None if state["scale"] is None else np.asarray(state["scale"])
        game = self._build(self.shape_ if self.kind_ == IMAGES else (self.shape_[0], len(self.loc_)))
        game.load_state_dict(tensors)
        self.device_ = resolve_device(self.device)
        self.game_ = game.to(self.device_).eval()


def _as_windows(data: np.ndarray) -> np.ndarray:
    """Windows as (n, length, channels)."""
    return data[:, :, None] if data.ndim == 2 else data


def _standardize(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows with each channel at mean 0 and standard deviation 1 over all items and steps."""
    loc = windows.mean(axis=(0, 1)).astype(np.float64)
    scale = np.maximum(windows.std(axis=(0, 1)).astype(np.float64), 1e-6)
    return ((windows - loc) / scale).astype(np.float32), loc, scale
