"""``AutoregressiveForecaster``: what every neural p(x_t | x_<t) model shares.

Fitting runs the autocorrelation check (and refuses series without autocorrelation
unless ``force``), plans the windows, and trains the network with the engine's
trainer on all series at once. Forecasting primes the network on each series' last
context and then samples ancestrally: each sampled value is fed back as the next
step's lag input. ``log_prob`` is the exact log-likelihood of a series after its
first context window, under the same scaling rule.

Calibration (``calibrate=True``): a network trained on few windows fits them too
closely and its predictive scale comes out too narrow (80% intervals held 53-56% of
the dev series' test points). After training, the scale of continuous heads is
multiplied by the one factor that maximizes the likelihood of the steps held out from
training (temperature scaling, Guo et al. 2017); sampling and ``log_prob`` both use
it, so the model that is scored is the model that samples.

Covariates (``covariates_as``): by default a regression on them takes out their effects and
the network learns and forecasts what is left (``forecastgen.covariate_regression``); with
``inputs`` the network reads each step's covariates beside its lags, as DeepAR does
(``forecastgen.covariate_inputs``), and ``both`` does both. On the two covariate benchmarks
(benchmarks/results/covariates_benchmark.md) the regression scored best: a network trained on
one to three series learns the covariates' effects from its inputs poorly.

A subclass supplies the network: ``_build_network(input_size, param_count)`` returning
a module with an ``input_size`` attribute, ``forward(x) -> raw`` over whole sequences,
``prime(x) -> state`` over a context, and ``step(x, state) -> (raw, state)`` for one
new step. States are batch-first tensors, or tuples or lists of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from forecastgen.covariate_inputs import CovariateInputs
from forecastgen.covariate_regression import CovariateEffects, covariate_effects
from forecastgen.data import SeriesSet, as_series_set
from forecastgen.data.calendar import calendar_features
from forecastgen.data.frequency import Frequency
from forecastgen.diagnostics import check_series
from forecastgen.engine.device import resolve_device
from forecastgen.engine.seeding import seed_everything
from forecastgen.engine.trainer import Trainer, TrainingConfig, TrainingHistory
from forecastgen.errors import InputError
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import SequenceGenerator, check_covariates
from forecastgen.per_series import guard_paths
from forecastgen_autoregressive.lagged_windows import (
    WindowPlan,
    lagged_values,
    plan_windows,
    training_windows,
    window_scale,
)
from forecastgen_autoregressive.likelihoods import likelihood

TEMPERATURES = np.exp(np.linspace(np.log(0.5), np.log(4.0), 31))  # the calibration grid
COVARIATES_AS = ("inputs", "regression", "both")


class AutoregressiveForecaster(SequenceGenerator):
    """A global neural model of p(x_t | x_<t) with a likelihood head."""

    capabilities = frozenset({"forecast", "log_prob", "series", "new_series", "covariates"})
    parameter_help = {
        "likelihood": "the head's distribution of the next value: student_t, normal or negbin (counts)",
        "context_length": "past steps the network is primed on (null: two seasons, at least the "
                          "horizon and 12, shrunk to fit the shortest series)",
        "prediction_length": "steps after the context that each training window scores (null: the horizon)",
        "max_windows": "the most training windows, spread evenly over the series",
        "predict_change": "the head predicts the change from the last value (false: the value itself)",
        "calibrate": "scale the predictive spread to fit held-out steps (temperature scaling)",
        "covariates_as": "how the network uses covariates: regression (it learns the errors of a "
                         "regression on them), inputs (at every step, as DeepAR) or both",
    }

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, data) -> AutoregressiveForecaster:
        """Train on ``data``. Covariates, by ``covariates_as``: network inputs at every step
        (DeepAR), a regression whose errors the network learns
        (``forecastgen.covariate_regression``), or both."""
        original = as_series_set(data)
        self._check_covariates_as()
        effects = covariate_effects(self, original)
        errors = original if effects is None else effects.remove(original)
        data = original if self.covariates_as == "inputs" else errors
        self.covariate_inputs_ = (CovariateInputs.fit(original) if self.covariates_as != "regression"
                                  else None)
        head = likelihood(self.likelihood)
        # the lags must explain what the covariates leave: the check looks at the errors
        reports = [check_series(key, series.to_numpy(dtype=float), data.freq.season)
                   for key, series in errors]
        self._check_data(data, head, reports)
        season = _season(data.freq.season, reports)
        plan = plan_windows(data.shortest(), season, data.freq.default_horizon, self.context_length,
                            self.prediction_length)
        seed_everything(self.seed)
        features = {key: self._step_features(data, key) for key in data.ids}
        train, validation = training_windows(data, plan, features, head.mean_scaling,
                                             self.max_windows, np.random.default_rng(self.seed))
        input_size = len(plan.lags) + train.tensors[1].shape[-1]
        network = self._network(input_size, head)
        trainer = Trainer(self._training_config())
        self.history_: TrainingHistory = trainer.fit(network, self._loss, train, validation)
        self.network_, self.plan_, self.freq_, self.season_ = network, plan, data.freq, season
        self.device_ = trainer.device
        self.temperature_ = self._fitted_temperature(head, validation) if self.calibrate else 1.0
        self.data_ = original
        return self

    def _check_covariates_as(self) -> None:
        if self.covariates_as not in COVARIATES_AS:
            raise InputError(f"{self.name}: covariates_as must be one of {', '.join(COVARIATES_AS)}, "
                             f"not {self.covariates_as!r}")

    def _regression_effects(self, data: SeriesSet) -> CovariateEffects | None:
        """The covariates' effects to model around, where ``covariates_as`` asks for the
        regression and the series have covariates."""
        if self.covariates_as == "inputs":
            check_covariates(self, data)
            return None
        return covariate_effects(self, data)

    def _without_regression_effects(self, data: SeriesSet) -> SeriesSet:
        """``data``'s series less their covariates' regression effects (the errors the network
        learns and scores), or ``data`` where no regression is asked for."""
        effects = self._regression_effects(data)
        return data if effects is None else effects.remove(data)

    def _step_features(self, data: SeriesSet, key: str) -> np.ndarray:
        """(history length, features): each step's calendar features, and its covariates where
        the network takes them as inputs."""
        calendar = calendar_features(data[key].index, data.freq)
        inputs = self._covariate_inputs(data)
        return calendar if inputs is None else np.concatenate([calendar, inputs.past(data, key)], axis=1)

    def _future_features(self, data: SeriesSet, key: str, horizon: int) -> np.ndarray:
        """(horizon, features) over the steps after series ``key``."""
        calendar = calendar_features(data.future_index(key, horizon), data.freq)
        inputs = self._covariate_inputs(data)
        if inputs is None:
            return calendar
        return np.concatenate([calendar, inputs.future(data, key, horizon)], axis=1)

    def _covariate_inputs(self, data: SeriesSet) -> CovariateInputs | None:
        """The network's covariate inputs; refused where ``data``'s covariates cannot feed it."""
        inputs = getattr(self, "covariate_inputs_", None)
        if inputs is None and self.covariates_as == "inputs" and data.covariate_names():
            raise InputError(f"{self.name} was fitted on series without covariates, so its network "
                             "has no inputs for them; fit it on series with their covariates, or "
                             "forecast without them")
        return inputs

    def _training_config(self) -> TrainingConfig:
        return TrainingConfig.from_params(self.get_params())

    def _check_data(self, data: SeriesSet, head, reports: list) -> None:
        if head.mean_scaling:
            for key, series in data:
                values = series.to_numpy()
                if (values < 0).any() or not np.allclose(values, np.round(values)):
                    raise InputError(f"{self.name}: likelihood 'negbin' is for non-negative whole "
                                     f"numbers, but series '{key}' has other values; use "
                                     "student_t or normal")
        if self.force:
            return
        flat = [f"'{report.id}' (Ljung-Box p = {report.ljung_box_pvalue:.2f} over {report.lags} lags)"
                for report in reports if not report.has_autocorrelation]
        if flat:
            raise InputError(
                f"{self.name} needs autocorrelation, and series {', '.join(flat[:5])} "
                f"{'has' if len(flat) == 1 else 'have'} none that is significant: the past does "
                "not predict the future there, so an autoregressive model has nothing to learn. "
                "Use snaive or ets, or pass force=True (--force) to fit anyway.")

    def _loss(self, network: torch.nn.Module, batch: tuple) -> torch.Tensor:
        lagged, features, targets, loc, scale = batch
        raw = network(network_inputs(lagged, features, loc[:, None], scale[:, None]))
        head = likelihood(self.likelihood)
        distribution = head.distribution(raw.float(), loc[:, None], scale[:, None])
        return -distribution.log_prob(targets).mean()

    @torch.no_grad()
    def _fitted_temperature(self, head, validation) -> float:
        """The factor on the predictive scale that maximizes the one-step likelihood of the
        held-out steps (the last ``prediction`` steps of each series: never trained on, only
        watched for early stopping): temperature scaling (Guo et al. 2017), here widening a
        head that fits its training data too closely. One number, from a grid, so a handful
        of points cannot run away with it."""
        if not head.has_temperature:
            return 1.0
        self.network_.eval()
        lagged, features, targets, loc, scale = (t.to(self.device_) for t in validation.tensors)
        raw = self.network_(network_inputs(lagged, features, loc[:, None], scale[:, None])).float()
        held_out = slice(-self.plan_.prediction, None)
        raw, targets = raw[:, held_out], targets[:, held_out]
        loc, scale = loc[:, None], scale[:, None]
        losses = [-head.distribution(raw, loc, scale, temperature).log_prob(targets).mean()
                  for temperature in TEMPERATURES]
        return float(TEMPERATURES[int(torch.stack(losses).argmin())])

    # -- forecasting ------------------------------------------------------------------------
    def predict(self, horizon: int | None = None, num_samples: int = 200, seed: int | None = None,
                data=None, future=None) -> Forecast:
        """Sample paths after each series of ``data`` (default: the fitted series); ``future``:
        the covariates over the horizon, where the series have covariates."""
        self.check_is_fitted()
        data = self._forecast_data(data)
        if future is not None:
            data = data.with_future(future)
        steps = data.covariates.steps() if data.covariate_names() else 0
        horizon = int((steps or self.freq_.default_horizon) if horizon is None else horizon)
        if horizon < 1 or num_samples < 1:
            raise InputError(f"horizon and num_samples must be at least 1, not {horizon} and "
                             f"{num_samples}")
        data.check_horizon(horizon)
        effects = self._regression_effects(data)
        modelled = data if effects is None else effects.remove(data)
        paths = self._sample_paths(modelled, horizon, num_samples, seed)
        samples, index, notes = {}, {}, []
        for position, (key, series) in enumerate(modelled):
            samples[key] = guard_paths(paths[position], series.to_numpy(dtype=float), self.season_,
                                       np.random.default_rng(seed), notes, key, self.name)
            index[key] = data.future_index(key, horizon)
        forecast = Forecast(samples, index, model=self.name, history=dict(data.series), notes=notes)
        return forecast if effects is None else effects.add(forecast, data)

    def _forecast_data(self, data) -> SeriesSet:
        if data is None:
            if getattr(self, "data_", None) is None:
                raise InputError(f"{self.display_name()} was loaded from a checkpoint: give the series "
                                 "to forecast, predict(horizon, data=...)")
            return self.data_
        data = as_series_set(data)
        needed = self.plan_.max_lag + self.plan_.context
        if data.shortest() < needed:
            raise InputError(f"{self.name} needs at least {needed} points of history per series "
                             f"(lags up to {self.plan_.max_lag} and a context of "
                             f"{self.plan_.context}); the shortest series has {data.shortest()}")
        return data

    @torch.no_grad()
    def _sample_paths(self, data: SeriesSet, horizon: int, num_samples: int, seed) -> np.ndarray:
        network, plan, head = self._sampler(), self.plan_, likelihood(self.likelihood)
        network.eval()
        device = self.device_
        context = [self._context(data, key) for key in data.ids]
        lagged, features, loc, scale = (torch.as_tensor(np.stack(part), dtype=torch.float32,
                                                         device=device)
                                        for part in zip(*[c[:4] for c in context]))
        state = network.prime(network_inputs(lagged, features, loc[:, None], scale[:, None]))
        state = _repeat_state(state, num_samples)
        future = np.stack([self._future_features(data, key, horizon) for key in data.ids])
        future = torch.as_tensor(future, device=device).repeat_interleave(num_samples, dim=0)
        loc, scale = loc.repeat_interleave(num_samples), scale.repeat_interleave(num_samples)
        buffer = torch.as_tensor(np.stack([c[4] for c in context]), dtype=torch.float32,
                                 device=device).repeat_interleave(num_samples, dim=0)
        buffer = torch.cat([buffer, buffer.new_zeros(len(buffer), horizon)], dim=1)
        lags = torch.as_tensor(plan.lags, device=device)
        devices = [device] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):  # seeded draws, global state untouched
            torch.manual_seed(self.seed if seed is None else seed)
            for step in range(horizon):
                lag_values = buffer[:, plan.max_lag + step - lags]
                x = network_inputs(lag_values, future[:, step], loc, scale)
                raw, state = network.step(x, state)
                distribution = head.distribution(raw.float(), loc, scale, self.temperature_)
                buffer[:, plan.max_lag + step] = distribution.sample()
        paths = buffer[:, plan.max_lag:].double().cpu().numpy()
        return paths.reshape(len(data), num_samples, horizon)

    def _context(self, data: SeriesSet, key: str):
        """Lag inputs, features, location and scale of the last context, and the last lag values."""
        plan = self.plan_
        y = data[key].to_numpy(dtype=float, copy=True)
        steps = slice(len(y) - plan.context, len(y))
        lagged = lagged_values(y, plan.lags)[steps]
        features = self._step_features(data, key)[steps]
        loc, scale = window_scale(y[steps][None, :], likelihood(self.likelihood).mean_scaling)
        return lagged, features, loc[0], scale[0], y[-plan.max_lag:]

    # -- scoring ----------------------------------------------------------------------------
    @torch.no_grad()
    def log_prob(self, data) -> pd.Series:
        """log p(x_{k+1..T} | x_{1..k}) of each series in nats, with k = max lag + context.

        The model forecasts ``prediction`` steps from the ``context`` before them, so the
        series after its first k points is scored block by block: each block of
        ``prediction`` steps given the context before it, scaled by that context. The
        product of these conditionals is a proper density of the rest of the series.
        """
        self.check_is_fitted()
        data = self._without_regression_effects(self._forecast_data(data))
        self.network_.eval()
        return pd.Series({key: self._series_log_prob(data, key) for key in data.ids}, name="log_prob")

    def _series_log_prob(self, data: SeriesSet, key: str) -> float:
        plan, head = self.plan_, likelihood(self.likelihood)
        y = data[key].to_numpy(dtype=float, copy=True)
        lagged_all, features = lagged_values(y, plan.lags), self._step_features(data, key)
        first = plan.max_lag + plan.context
        if len(y) <= first:
            raise InputError(f"{self.name}: log_prob needs more than {first} points per series")
        total = 0.0
        for block in range(first, len(y), plan.prediction):
            steps = np.arange(block - plan.context, min(block + plan.prediction, len(y)))
            loc, scale = window_scale(y[None, block - plan.context:block], head.mean_scaling)
            lagged, feats, targets, loc, scale = (
                torch.as_tensor(np.asarray(v)[None], dtype=torch.float32, device=self.device_)
                for v in (lagged_all[steps], features[steps], y[steps], loc[0], scale[0]))
            raw = self.network_(network_inputs(lagged, feats, loc, scale))
            scores = head.distribution(raw.float(), loc, scale, self.temperature_).log_prob(targets)
            total += float(scores[0, plan.context:].double().sum())
        return total

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint_state(self) -> tuple[dict, dict]:
        state = {"plan": self.plan_.to_dict(), "freq": self.freq_.to_dict(), "season": self.season_,
                 "input_size": self.network_.input_size, "history": self.history_.to_dict(),
                 "temperature": self.temperature_,
                 "covariate_inputs": self.covariate_inputs_ and self.covariate_inputs_.to_dict()}
        return dict(self.network_.state_dict()), state

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        plan = state["plan"]
        self.plan_ = WindowPlan(tuple(plan["lags"]), plan["context"], plan["prediction"])
        self.freq_ = Frequency.from_dict(state["freq"])
        self.season_ = state["season"]
        # checkpoints before calibration have no temperature; before its rename it was "spread"
        self.temperature_ = float(state.get("temperature", state.get("spread", 1.0)))
        self.history_ = TrainingHistory(**state["history"])
        self.covariate_inputs_ = CovariateInputs.from_dict(state.get("covariate_inputs"))
        network = self._network(state["input_size"], likelihood(self.likelihood))
        network.load_state_dict(tensors)
        self.device_ = resolve_device(self.device)
        self.network_ = network.to(self.device_).eval()
        self.data_ = None

    def _network(self, input_size: int, head) -> torch.nn.Module:
        network = self._build_network(input_size, head.param_count)
        if self.predict_change and head.location_index is not None:
            return ChangeFromLastValue(network, head.param_count, head.location_index)
        return network

    # -- to implement -----------------------------------------------------------------------
    def _build_network(self, input_size: int, param_count: int) -> torch.nn.Module:
        raise NotImplementedError

    def _sampler(self) -> torch.nn.Module:
        """The module whose prime/step draw the sample paths (the network itself by default)."""
        return self.network_


class ChangeFromLastValue(torch.nn.Module):
    """The network predicts the change from the last value instead of the value itself.

    Its location output is added to the lag-1 input (the last value, standardized like
    the target), so an untrained network forecasts "no change" - the naive forecast,
    hard to beat on short trending series - and training learns departures from it.
    """

    def __init__(self, network: torch.nn.Module, param_count: int, location_index: int):
        super().__init__()
        self.network, self.input_size = network, network.input_size
        unit = torch.zeros(param_count)
        unit[location_index] = 1.0
        self.register_buffer("unit", unit, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x) + x[..., :1] * self.unit

    def prime(self, x: torch.Tensor):
        return self.network.prime(x)

    def step(self, x: torch.Tensor, state):
        raw, state = self.network.step(x, state)
        return raw + x[..., :1] * self.unit, state


def _season(calendar_season: int, reports: list) -> int:
    """The calendar's season, or else the period most series show in their ACF."""
    if calendar_season > 1:
        return calendar_season
    found = [r.detected_period for r in reports if r.detected_period]
    return max(set(found), key=found.count) if found else 1


def network_inputs(lagged: torch.Tensor, features: torch.Tensor, loc: torch.Tensor,
                   scale: torch.Tensor) -> torch.Tensor:
    """Scaled lag values next to the calendar features (last dimension).

    ``loc`` and ``scale`` have the shape of ``lagged`` without its last dimension (or one
    that broadcasts to it, such as (batch, 1) for whole sequences).
    """
    return torch.cat([(lagged - loc[..., None]) / scale[..., None], features], dim=-1)


def _repeat_state(state, times: int):
    """Repeat every row of a batch-first state (a tensor, or a tuple or list of them)."""
    if isinstance(state, (tuple, list)):
        return type(state)(_repeat_state(part, times) for part in state)
    return state.repeat_interleave(times, dim=0)
