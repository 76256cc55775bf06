"""``auto``: choose the forecaster for the data at hand by backtesting the candidates.

The registered forecasters that suit the series are backtested on the series' own
last three windows and scored by scaled CRPS (the whole predictive distribution) and MASE
(the median), both relative to the best candidate; the lowest mean of the two wins.
The forecast combines every candidate, each weighted by the inverse square of its score
(the winner's is 1; one scoring twice as badly gets a quarter of its share):
performance-weighted forecast combination (Bates & Granger 1969; inverse-error weights as
in Stock & Watson 2004). Selection on one series' short past is noisy; combining hedges it
(the strongest simple idea of the M4 competition: Makridakis, Spiliotis & Assimakopoulos
2020), and weighting by the backtest keeps a poor candidate's share small.

Pooling (``pooling="centred"``, the default): the candidates' sample paths are mixed by
weight (linear pooling: the spread includes the candidates' disagreement), then each step
is moved so that the mixture's median, the point forecast, is the weighted average of the
candidates' medians (the median of the quantile average: Lichtendahl, Grushka-Cockayne &
Winkler 2013). The median of a mixture leans toward whichever candidate is most certain;
the average of the medians is the combined forecast the combination literature measures.
``pooling="linear"`` keeps the mixture as it is.

``combination="anchors"`` mixes the winner with the ``anchors`` instead (one share each; a
winner that is an anchor gets two; forecastgen 0.1's rule with the anchors ETS, Theta and
patchcast); ``combination="winner"`` forecasts with the winner alone.

The default candidates, the three windows, the shrinking and the pooling were chosen by issue
40's protocol: the geometric mean of MASE relative to seasonal naive on the dev series and on
M1, the two data sets weighted equally, M1 without patchcast, its validation set
(benchmarks/results/default_study.md). The candidates are ``theta``, ``damped``, ``ces`` and
``patchcast``, with ``arima`` in patchcast's place on data without a season (yearly series)
where the series have 40 points or more: there patchcast extrapolates long trends that break,
and ARIMA's order search, seconds a series with a season, is cheap. Figures against statsforecast:
benchmarks/results/pretrained_benchmark.md.

Candidates: what auto needs to know of a model, its plugin declares on its ``ModelSpec``. By
default auto backtests every installed forecaster that declares ``auto_default`` (fast
models that fit nothing big: seconds in all), for the data's season where it names one
(``"seasonal"`` or ``"non-seasonal"``) and the shortest series' length where it names that
(``auto_default_from``, ``auto_default_below``); the others, those that train a network
included, are tried when named (``candidates="NAME,NAME:KEY=VALUE"``) or with
``candidates="all"``, a trainable one with a short fixed training run (a fixed number of
batches, so the choice does not depend on the machine's speed). Suitability: a model that
declares ``needs_autocorrelation`` only where every series is autocorrelated; every model
only where the shortest series holds its ``min_history``; log-scale candidates only for
positive series; every model must forecast series. Backtests run, and the reason names
the candidates, in the order of their ``cost_rank``, cheapest first.

Many series: one forecaster is chosen for the whole set, by its mean scores, so where
there are more than ``backtest_series`` series the backtests run on a seeded random
sample of that many (the means of a few hundred series rank the candidates as the
means of all would, at a fraction of the time); the chosen forecasters are then fitted
on every series.

This is model selection, not a model of its own: ``chosen_`` names the forecaster
and ``scores_`` keeps the backtest table; ``reason_`` says why in plain words.

Extending: a subclass changes one step by overriding its method: which candidates
(``suitable_candidates``), how they are built (``candidate_settings``,
``create_candidate``), the backtest's length (``backtest_horizon``), the ranking
(``rank``) and the combination (``combination_weights``). Register it under a name of
its own as any plugin does.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from forecastgen.data import SeriesSet, as_series_set
from forecastgen.diagnostics import check_series
from forecastgen.errors import InputError
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import COVARIATES, FORECAST, SERIES, SequenceGenerator
from forecastgen.plugins import describe
from forecastgen.progress import doing
from forecastgen.registry import split_model_spec

EVERY_MODEL = "all"  # candidates="all": every installed forecaster, those that train included
INVERSE_SCORE, ANCHORS, WINNER = "inverse-score", "anchors", "winner"  # the ways to combine
CENTRED, LINEAR = "centred", "linear"  # the ways to pool the members' paths
SCORE_POWER = 2  # inverse-score: each candidate's share is its score to the power -SCORE_POWER
AUTOMATIC = "auto"  # calibrate="auto": cqr from CALIBRATED_FROM series of backtests on, SHIPPED below
SHIPPED = "shipped"  # calibrate="shipped": the widenings learned beforehand (forecastgen.shipped_calibration)
CALIBRATED_FROM = 100


class AutoForecaster(SequenceGenerator):
    name = "auto"
    capabilities = frozenset({"forecast", "series", "new_series", "covariates"})
    parameter_help = {
        "candidates": "comma-separated models to backtest, each with its own NAME:KEY=VALUE "
                      "settings (null: every suitable one that trains nothing; all: the "
                      "neural ones too)",
        "combination": "inverse-score (mix every candidate's paths, weights 1/score^2), "
                       "anchors (the winner with the anchors, one share each) or winner (the "
                       "best alone)",
        "anchors": "the models mixed with the winner under combination=anchors (null: none)",
        "pooling": "centred (the mixed paths moved so their median is the members' medians "
                   "averaged by weight) or linear (the members' paths mixed as they are)",
        "windows": "backtest windows at the end of each series",
        "full_weight_from": "series shorter than this many points (the median series of a file) weight "
                            "the candidates by a lower power of their scores, toward equal shares "
                            "(40 points: 1/score; null: 1/score^2 always)",
        "quick_epochs": "training epochs of a neural candidate in the backtests",
        "quick_batches": "minibatches per epoch of a neural candidate in the backtests",
        "num_samples": "sample paths per candidate in the backtests",
        "backtest_series": "backtest on a seeded sample of this many series of a larger file (null: all)",
        "calibrate": "correct the mixture's quantiles by its own backtest errors: cqr, conformal or aci "
                     "(forecastgen.calibration); shipped: by the widenings learned for the default "
                     "candidates on other series; auto: cqr where the backtests cover at least 100 "
                     "series, shipped below (with the default candidates); null: never",
        "seed": "seed of the backtests, the series sample and the forecast",
    }

    def __init__(self, candidates: str | None = None, combination: str = INVERSE_SCORE,
                 anchors: str | None = None, pooling: str = CENTRED, windows: int = 3,
                 full_weight_from: int | None = 80, quick_epochs: int = 8,
                 quick_batches: int = 15, num_samples: int = 100, backtest_series: int | None = 300,
                 calibrate: str | None = AUTOMATIC, seed: int = 0, n_jobs: int | None = None):
        self.store_params(locals())

    def fit(self, data) -> AutoForecaster:
        data = as_series_set(data)
        registry = self._select(data)
        self.models_ = {}
        for name in self.weights_:
            with doing(name):
                self.models_[name] = self.create_candidate(registry, name).fit(data)
        return self

    def fit_predict(self, data, horizon: int | None = None, num_samples: int = 200,
                    seed: int | None = None) -> Forecast:
        """``fit(data).predict(...)``, each chosen model fitted and sampled in one pass."""
        data = as_series_set(data)
        registry = self._select(data)
        self.models_, forecasts = {}, {}
        for name in self.weights_:
            self.models_[name] = self.create_candidate(registry, name)
        for name, count in self._draws(num_samples).items():
            with doing(name):
                forecasts[name] = self.models_[name].fit_predict(data, horizon, num_samples=count, seed=seed)
        for name in self.weights_.keys() - forecasts.keys():  # drew no path, yet fitted as after fit()
            with doing(name):
                self.models_[name].fit(data)
        return self._mixture(forecasts, seed, num_samples)

    def _select(self, data: SeriesSet):
        """Backtest the candidates on ``data`` and keep their scores, the combination's
        weights and the reason; returns the registry the candidates came from."""
        from forecastgen.calibration import METHODS
        from forecastgen.registry import default_registry

        if self.combination not in (INVERSE_SCORE, ANCHORS, WINNER):
            raise InputError(f"auto: combination must be '{INVERSE_SCORE}', '{ANCHORS}' or '{WINNER}', "
                             f"not {self.combination!r}")
        limit = self.full_weight_from
        if not _positive_whole_or_none(limit):
            raise InputError(f"auto: full_weight_from must be a positive whole number or None, not {limit!r}")
        if self.pooling not in (CENTRED, LINEAR):
            raise InputError(f"auto: pooling must be '{CENTRED}' or '{LINEAR}', not {self.pooling!r}")
        if self.calibrate is not None and self.calibrate not in (*METHODS, SHIPPED, AUTOMATIC):
            raise InputError(f"auto: calibrate must be {', '.join(METHODS)}, {SHIPPED}, {AUTOMATIC} or None, "
                             f"not {self.calibrate!r}")
        registry = default_registry()
        names, excluded = self.suitable_candidates(data, registry)
        constant = all(np.ptp(series.to_numpy(dtype=float)) == 0 for _, series in data)
        horizon = None if constant else self.backtest_horizon(data)
        backtested = self.selection_series(data)
        rows, self.settings_, backtests, window_scores = [], {}, {}, {}
        for name in names:
            try:
                self.settings_[name] = self.candidate_settings(registry, name)
                candidate = self.create_candidate(registry, name)
            except (KeyboardInterrupt, InputError):
                raise
            except BaseException as exc:  # a plugin's model may fail to build in any way
                excluded.append(f"{name} (could not be built: {describe(exc)})")
                continue
            if horizon is None:  # too short to backtest: every candidate stays, unscored
                rows.append({"model": name, "crps": np.nan, "mase": np.nan, "seconds": 0.0})
                if constant:  # any candidate forecasts a constant as itself
                    break
                continue
            began = time.perf_counter()
            try:
                with doing(f"backtest of {name}"):
                    backtests[name] = self._backtest(backtested, candidate, horizon)
            except InputError as exc:  # e.g. no autocorrelation left in the shorter history
                excluded.append(f"{name} (refused the backtest's shorter history: "
                                f"{str(exc).split(':')[0]})")
                continue
            window_scores[name] = [pd.DataFrame(window.scores())[["crps", "mase"]]
                                   for window in backtests[name]]
            means = pd.concat(window_scores[name]).mean()  # NaN only where no series has a scale
            rows.append({"model": name, "crps": means["crps"], "mase": means["mase"],
                         "seconds": time.perf_counter() - began})
        if not rows:
            raise InputError(f"auto: every candidate refused these series ({'; '.join(excluded)})")
        self.history_length_ = int(np.median([len(series) for _, series in backtested]))
        self.scores_ = self.rank(pd.DataFrame(rows).set_index("model"))
        self.weights_ = self.combination_weights()
        self.chosen_ = next(iter(self.weights_))
        self.season_, self.frequency_ = data.freq.season, data.freq.name
        self.covariates_ = bool(data.covariate_names())
        self.correction_ = self.learn_correction(backtests, window_scores, data.freq, len(backtested))
        self.reason_ = self._reason(horizon, excluded, len(backtested), len(data),
                                    self._unranked_why(constant, horizon, data.shortest()))
        return registry

    def _backtest(self, data: SeriesSet, candidate, horizon: int) -> list:
        """The candidate's forecasts from the last ``windows`` cutoffs of ``data``
        (``forecastgen.evaluate.RollingForecast``, oldest first)."""
        from forecastgen.evaluate import rolling_forecasts

        return list(rolling_forecasts(data, candidate, self.windows, horizon, None, True,
                                      self.num_samples, self.seed, {}))

    def learn_correction(self, backtests: dict[str, list], window_scores: dict[str, list], freq,
                         series: int):
        """With ``calibrate``, the correction of the mixture's quantiles learned from the
        mixture's own backtest forecasts (``forecastgen.calibration.Correction``) over ``series``
        series; None without ``calibrate`` or where the backtest ranked nothing; the shipped
        widenings of ``freq``'s frequency where the method is ``SHIPPED``.
        ``window_scores``: each candidate's scores (crps, mase) per series in each window.

        Each window's mixture is weighted by the candidates' scores on the other windows
        (cross-fitting): weighted by its own window's scores, it would favour the candidates
        that happened to do well there, and its errors would understate the forecast's."""
        from forecastgen.calibration import Correction

        method = self.calibration_method(series)
        if method == SHIPPED:
            return Correction.shipped(freq.name)
        if method is None or not self.ranked():
            return None
        by_window = {name: [scores.mean() for scores in frames] for name, frames in window_scores.items()}
        by_series: dict[str, list] = {}
        for number in range(self.windows):
            others = [other for other in range(self.windows) if other != number] or [number]
            table = pd.DataFrame([{"model": name, **pd.concat([means[o] for o in others], axis=1)
                                   .mean(axis=1).to_dict()} for name, means in by_window.items()])
            weights = self.combination_weights(self.rank(table.set_index("model")))
            counts = dict(zip(weights, _allocate(self.num_samples, list(weights.values()))))
            windows = {name: backtests[name][number] for name, count in counts.items() if count}
            first = next(iter(windows.values()))
            for key in first.data.ids:
                members = {name: window.forecast.samples[key] for name, window in windows.items()}
                paths, _ = pool_paths(members, weights, counts, self.pooling)
                by_series.setdefault(key, []).append(Correction.score(
                    method, paths, first.actual(key), first.history.values(key), freq.season))
        return Correction.learned(method, by_series)

    def calibration_method(self, series: int) -> str | None:
        """How the mixture is calibrated when its backtests covered ``series`` series: as
        ``calibrate`` says; under ``"auto"``, by cqr from ``CALIBRATED_FROM`` series on, where the
        pooled errors of a catalogue pay (M1 as one file per frequency: 80%/95% coverage 0.702 /
        0.872 -> 0.749 / 0.932, CRPS 1% lower). Below, a series' own few backtest errors do not
        (each dev series alone: CRPS 13% higher; auto_calibration_alone.md), so the default
        candidates' mixture takes the widenings shipped for it, learned on other series (each
        series alone, 80%/95% coverage on the dev series 0.756 / 0.903 -> 0.826 / 0.959, M1
        0.700 / 0.871 -> 0.769 / 0.929, Tourism 0.724 / 0.890 -> 0.837 / 0.971, CRPS lower on
        all three; benchmarks/results/calibration_alone.md). Other candidates, and series with
        covariates (a regression's mixture, not the one the widenings were learned on), stay
        uncalibrated."""
        if self.calibrate != AUTOMATIC:
            return self.calibrate
        if series >= CALIBRATED_FROM:
            return "cqr"
        return SHIPPED if self.candidates is None and not getattr(self, "covariates_", False) else None

    def rank(self, scores: pd.DataFrame) -> pd.DataFrame:
        """The backtest table (a row per candidate: crps, mase, seconds) with a ``score``
        column, best first: the first row is the winner."""
        return rank_scores(scores)

    def combination_weights(self, ranked: pd.DataFrame | None = None) -> dict[str, float]:
        """Each combined model's share, winner first: by ``combination``, every scored
        candidate by the inverse square of its score, or one share for each anchor that was
        scored and one for the winner, or the winner alone. Where no candidate has a finite
        score (``ranked()`` is False), every candidate gets an equal share. ``ranked``: another
        table of ``rank``'s (by default the backtest's, ``scores_``)."""
        scores = (self.scores_ if ranked is None else ranked)["score"]
        if not np.isfinite(scores).any():
            return {name: 1.0 / len(scores) for name in scores.index}
        winner = scores.index[0]
        if self.combination == INVERSE_SCORE:
            shares = inverse_score_shares(scores, self.score_power())
        elif self.combination == ANCHORS:
            shares = {name: 1.0 for name in _names(self.anchors)
                      if name in scores.index and np.isfinite(scores[name])}
            shares = {winner: shares.pop(winner, 0.0) + 1.0, **shares}
        else:
            shares = {winner: 1.0}
        total = sum(shares.values())
        return {name: share / total for name, share in shares.items()}

    def score_power(self) -> float:
        """The power of the inverse-score weights: ``SCORE_POWER``, shrunk in proportion where the
        (median) series is shorter than ``full_weight_from`` points: a short history's few, short
        backtest windows rank the candidates less reliably, so its weights move toward equal
        shares (issue 40: of the rules compared on the dev series and M1, this one with 80
        points scored best; benchmarks/results/default_study.md)."""
        limit = self.full_weight_from
        if limit is None:
            return SCORE_POWER
        return SCORE_POWER * min(1.0, getattr(self, "history_length_", limit) / limit)

    def ranked(self) -> bool:
        """Whether the backtest ranked the candidates: False where the series were too short to
        backtest, or where no error could be scaled (constant histories before every window:
        MASE and scaled CRPS divide by the history's variation)."""
        return bool(np.isfinite(self.scores_["score"]).any())

    def predict(self, horizon: int | None = None, num_samples: int = 200, seed: int | None = None,
                data=None, future=None) -> Forecast:
        """Sample paths from the chosen model, or from the mixture of the chosen ones;
        ``future``: the covariates' values over the horizon, where the series have covariates."""
        self.check_is_fitted()
        if data is not None:
            return self.fit(data).predict(horizon, num_samples, seed, future=future)
        with_future = {} if future is None else {"future": future}
        forecasts = {name: self.models_[name].predict(horizon, num_samples=count, seed=seed, **with_future)
                     for name, count in self._draws(num_samples).items()}
        return self._mixture(forecasts, seed, num_samples)

    def _sample_counts(self, num_samples: int) -> dict[str, int]:
        """How many of the ``num_samples`` paths each chosen model gives the mixture (by its
        weight; none for a model whose share rounds to zero)."""
        counts = _allocate(num_samples, list(self.weights_.values()))
        return {name: count for name, count in zip(self.weights_, counts) if count}

    def _draws(self, num_samples: int) -> dict[str, int]:
        """How many paths each chosen model draws: its share of the mixture, or, pooled
        ``centred``, all ``num_samples`` (its median is taken from them all)."""
        counts = self._sample_counts(num_samples)
        return counts if self.pooling == LINEAR else dict.fromkeys(counts, num_samples)

    def _mixture(self, by_model: dict[str, Forecast], seed: int | None, num_samples: int) -> Forecast:
        """The chosen models' forecasts (by name, in ``_sample_counts``' order) as one: their
        paths pooled (``pool_paths``) and shuffled, their means by weight. Consumes the
        members' paths, series by series, so that a big catalogue's paths are not held twice."""
        forecasts = list(by_model.values())
        first = forecasts[0]
        weights = {name: self.weights_[name] for name in by_model}
        means = mixture_means(forecasts, list(weights.values()))
        counts = self._sample_counts(num_samples)
        rng = np.random.default_rng(seed)
        samples = {}
        for key in list(first.ids):
            members = {name: forecast.samples.pop(key) for name, forecast in by_model.items()}
            pooled, shift = pool_paths(members, weights, counts, self.pooling)
            samples[key] = rng.permutation(pooled)
            if key in means:
                means[key] = means[key] + shift
        notes = list(dict.fromkeys([self.reason_] + [note for f in forecasts for note in f.notes]))
        if self.correction_ is not None:  # the paths move: their mean is the mixture's mean now
            samples, means = self._calibrated(samples, first), {}
            notes.append(self._calibration_note())
        return Forecast(samples, first.index, model="auto: " + "+".join(self.weights_),
                        history=first.history, notes=notes, means=means)

    def _calibration_note(self) -> str:
        correction = self.correction_
        if correction.scores is None:
            return ("auto's intervals widened as learned for its default candidates on other series "
                    f"({self.frequency_}; forecastgen.shipped_calibration)")
        return (f"auto's quantiles calibrated by {correction.method} on {len(correction.scores)} "
                "backtest forecasts of its mixture")

    def _calibrated(self, samples: dict[str, np.ndarray], forecast: Forecast) -> dict[str, np.ndarray]:
        from forecastgen.calibration import lower_bound, series_scale

        calibrated = {}
        for key, paths in samples.items():
            history = forecast.history[key].to_numpy(dtype=float)
            calibrated[key] = self.correction_.corrected(paths, series_scale(history, self.season_),
                                                         lower_bound(history), key)
        return calibrated

    def suitable_candidates(self, data: SeriesSet, registry) -> tuple[list[str], list[str]]:
        """The candidates to backtest on ``data``, cheapest first, and those left out with
        the reason ("theta:transform=log (the log scale needs positive values)")."""
        wanted = [] if self.candidates == EVERY_MODEL else _names(self.candidates)
        by_default = not wanted and self.candidates != EVERY_MODEL  # none named: the defaults
        names, excluded = [], []
        covariates = data.covariate_names()
        autocorrelated = None
        positive = all(series.min() > 0 for _, series in data)
        for name in wanted or registry.names():
            model, params = split_model_spec(name)
            spec = registry.get(model)
            forecasts_series = spec.interface == "sequence" and {FORECAST, SERIES} <= spec.capabilities
            default = spec.auto_default_for(data.freq.season, data.shortest())
            if model == self.name or not forecasts_series or (by_default and not default):
                continue
            if covariates and COVARIATES not in spec.capabilities:
                excluded.append(f"{name} (takes no covariates)")
                continue
            if params.get("transform") == "log" and not positive:
                excluded.append(f"{name} (the log scale needs positive values)")
                continue
            if data.shortest() < spec.min_history.length(data.freq.default_horizon, data.freq.season):
                excluded.append(f"{name} (series too short to train on)")
                continue
            if spec.needs_autocorrelation:
                if autocorrelated is None:
                    autocorrelated = all(check_series(k, s.to_numpy(dtype=float), data.freq.season)
                                         .has_autocorrelation for k, s in data)
                if not autocorrelated:
                    excluded.append(f"{name} (no significant autocorrelation)")
                    continue
            names.append(name)
        if not names:
            raise InputError("auto: no installed forecaster suits these series"
                             + (f" ({'; '.join(excluded)})" if excluded else ""))
        names.sort(key=lambda candidate: (registry.get(split_model_spec(candidate)[0]).cost_rank, candidate))
        return names, excluded

    def backtest_horizon(self, data: SeriesSet) -> int | None:
        """The steps each backtest window forecasts: the frequency's horizon where the
        shortest series leaves room for ``windows`` windows, fewer where it does not; None
        where it leaves room for none (the candidates are then combined unscored)."""
        horizon = data.default_horizon
        room = (data.shortest() - 3) // (self.windows + 1)
        return min(horizon, room) if room >= 1 else None

    def selection_series(self, data: SeriesSet) -> SeriesSet:
        """The series the candidates are backtested on: all of them, or a random sample of
        ``backtest_series`` (seeded, in the file's order) where there are more."""
        limit = self.backtest_series
        if not _positive_whole_or_none(limit):
            raise InputError(f"auto: backtest_series must be a positive whole number or None (every "
                             f"series), not {limit!r}")
        if limit is None or len(data) <= limit:
            return data
        chosen = np.random.default_rng(self.seed).choice(len(data), size=limit, replace=False)
        return data.subset([data.ids[position] for position in np.sort(chosen)])

    def candidate_settings(self, registry, candidate: str) -> dict:
        """The candidate's parameters ("ets:transform=log") and, for a trainable model,
        settings that keep its fits short: a fixed number of batches (not seconds), so the
        choice is the same on any machine. Its backtests and its final fit use the same
        settings: what was scored is what forecasts."""
        name, params = split_model_spec(candidate)
        accepted = registry.get(name).load_class().param_names()
        quick = {"max_epochs": self.quick_epochs, "batches_per_epoch": self.quick_batches,
                 **({} if self.n_jobs is None else {"n_jobs": self.n_jobs})}
        return {**{key: value for key, value in quick.items() if key in accepted}, **params}

    def create_candidate(self, registry, candidate: str):
        """A new, unfitted model for ``candidate`` with its settings (``candidate_settings``)."""
        return registry.create(split_model_spec(candidate)[0], **self.settings_[candidate])

    def _unranked_why(self, constant: bool, horizon: int | None, shortest: int) -> str:
        """Why the backtest could not rank the candidates, were it so."""
        if constant:
            return "every series is constant"
        if horizon is None:
            windows = f"{self.windows} windows" if self.windows != 1 else "a window"
            return f"the shortest series has {shortest} points, too few for {windows} of backtest"
        return ("every series is constant before its backtest windows, so no error has a scale: MASE "
                "and CRPS divide by the history's variation")

    def _reason(self, horizon: int | None, excluded: list[str], backtested: int, total: int,
                unranked_why: str) -> str:
        if not self.ranked():
            how = (f"forecasts with {self.chosen_}" if len(self.weights_) == 1 else
                   f"combines {_listing(list(self.weights_))} with equal weights")
            text = f"auto could not rank the candidates by backtest ({unranked_why}); it {how}"
            return text + (f"; not tried: {', '.join(excluded)}" if excluded else "")
        windows = f"{self.windows} windows" if self.windows != 1 else "window"
        table = ", ".join(f"{name} {row.crps:.3f}/{row.mase:.3f}" for name, row in self.scores_.iterrows())
        sample = f" of a random {backtested} of the {total} series" if backtested < total else ""
        text = (f"auto chose {self.chosen_}: best backtest over the last {windows} of "
                f"{horizon} steps{sample} (scaled CRPS/MASE: {table})")
        if len(self.weights_) > 1:
            mixture = ", ".join(f"{name} {weight:.2f}" for name, weight in self.weights_.items())
            others = _listing([name for name in self.weights_ if name != self.chosen_])
            how = ""
            if self.combination == INVERSE_SCORE:
                power = self.score_power()
                how = (" by the inverse square of their backtest scores" if power == SCORE_POWER else
                       f" by their backtest scores to the power -{power:.2g} (nearer equal shares: "
                       f"{self.history_length_} points are a short history)")
            centred = ", centred on their medians averaged by weight" if self.pooling == CENTRED else ""
            text += (f"; its sample paths are mixed with those of {others}{how}{centred}, a combination "
                     f"more accurate than any one choice (weights: {mixture})")
        if excluded:
            text += f"; not tried: {', '.join(excluded)}"
        return text


def _names(text: str | None) -> list[str]:
    """Model names from a comma-separated setting ("ets, theta"); none for None or ""."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def _positive_whole_or_none(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1)


def _listing(names: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` draws by ``weights`` (largest remainders), the first taking the rest."""
    exact = np.asarray(weights) * total
    counts = np.floor(exact).astype(int)
    for position in np.argsort(counts - exact)[: total - counts.sum()]:
        counts[position] += 1
    return counts.tolist()


def pool_paths(members: dict[str, np.ndarray], weights: dict[str, float], counts: dict[str, int],
               pooling: str) -> tuple[np.ndarray, np.ndarray | float]:
    """One series' mixture: the first ``counts[name]`` paths of each member (linear pooling,
    Stone 1961), and, pooled ``centred``, the shift of each step that moves the mixture's
    median to the members' medians averaged by ``weights`` (the quantile average's median:
    Lichtendahl, Grushka-Cockayne & Winkler 2013). The mixture keeps its spread, which the
    members' disagreement widens; its centre is the combined point forecast. Returns the
    paths and the shift (0 for linear pooling)."""
    mixed = np.concatenate([paths[:counts[name]] for name, paths in members.items() if counts.get(name)])
    if pooling == LINEAR:
        return mixed, 0.0
    shares = np.array([weights[name] for name in members], dtype=float)
    medians = np.stack([np.median(paths, axis=0) for paths in members.values()])
    shift = shares @ medians / shares.sum() - np.median(mixed, axis=0)
    return mixed + shift, shift


def mixture_means(forecasts: list[Forecast], weights: list[float]) -> dict[str, np.ndarray]:
    """The exact means of the mixture of ``forecasts`` with ``weights``, where any member
    knows its own; members that do not give their paths' mean."""
    if not any(forecast.means for forecast in forecasts):
        return {}
    shares = np.asarray(weights, dtype=float) / sum(weights)
    return {key: sum(share * forecast.point_mean(key) for share, forecast in zip(shares, forecasts))
            for key in forecasts[0].ids}


def inverse_score_shares(scores: pd.Series, power: float = SCORE_POWER) -> dict[str, float]:
    """Each finitely scored candidate's share (not normalized): its score to the power
    -``power``; a perfect backtest (score 0) takes all but a trace."""
    return {name: max(float(score), 1e-12) ** -power for name, score in scores.items() if np.isfinite(score)}


def rank_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Score each model by its CRPS and MASE relative to the best; lowest first."""
    metrics = scores[["crps", "mase"]]
    relative = metrics / metrics.min().clip(lower=1e-12)
    scores = scores.assign(score=relative.mean(axis=1).replace([np.inf], np.nan))
    return scores.sort_values("score", na_position="last")
