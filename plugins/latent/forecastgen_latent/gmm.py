"""``gmm``: a Gaussian mixture fitted by expectation maximization, in torch.

Dempster, Laird & Rubin (1977), "Maximum likelihood from incomplete data via the EM
algorithm", JRSS B 39(1); Bishop (2006), *Pattern Recognition and Machine Learning*,
section 9.2. p(x) = sum_k w_k N(x | mu_k, Sigma_k). The E-step computes each item's
responsibilities r_nk (in log space, log-sum-exp over components); the M-step sets
weights, means and covariances to the responsibility-weighted statistics, plus
``reg_covar`` on the diagonal. Each step cannot lower the log-likelihood; fitting
stops when the mean log-likelihood gains less than ``tol``.

The parameters and the M-step are scikit-learn's ``GaussianMixture``'s (the same
names, the same formulas, ``weights_``/``means_``/``covariances_``/
``precisions_cholesky_``), so results agree from the same start, but the work runs
in torch, on the CPU or a GPU, over chunks of rows (N larger than memory works), in
float64 about the data mean. With full covariances both steps are products with one
feature matrix per chunk (pair products x_i x_j, values, a one), computed once and
kept (speed against scikit-learn: benchmarks/results/gmm_vs_sklearn.txt).
Initialization: greedy k-means++ seeding and Lloyd's k-means to convergence (``init_params=
"kmeans"``, as scikit-learn's default start),
k-means++ seeding alone, or random responsibilities; ``n_init`` restarts keep the
best. ``n_components="bic"`` fits 1..``max_components`` and keeps the lowest BIC.
Unlike scikit-learn, ``random_state=None`` means seed 0: every fit is reproducible.

A mixture of windows forecasts: the future part of a window given its past is again
a Gaussian mixture, by exact Gaussian conditioning of each component (``sample_future``).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from forecastgen.data.items import as_item_array
from forecastgen.engine.device import resolve_device
from forecastgen.errors import InputError
from forecastgen.interfaces import DensityModel

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_PARAMS = ("kmeans", "k-means++", "random")
KMEANS_STEPS = 300  # Lloyd's steps at most, as scikit-learn's KMeans
KMEANS_TOL = 1e-4  # scikit-learn's KMeans tolerance: center shifts relative to the mean variance
EPS = float(np.finfo(np.float64).eps)
CACHE_BYTES = 2**30  # chunks kept in memory between EM passes up to this size
CHUNK_BYTES = 2**28  # at most this much per chunk: fewer rows when each row has many pair products


class GaussianMixture(DensityModel):
    name = "gmm"
    capabilities = frozenset({"forecast", "sample", "log_prob", "series"})
    parameter_help = {
        "n_components": "mixture components, or bic: fit 1..max_components and keep the lowest BIC",
        "covariance_type": "full, tied, diag or spherical",
        "tol": "EM stops when the mean log-likelihood gains less than this",
        "reg_covar": "added to each covariance's diagonal, so none is singular",
        "max_iter": "the most EM iterations per start",
        "n_init": "EM starts; the best log-likelihood wins",
        "init_params": "kmeans (k-means++ seeding, then k-means), k-means++ (the seeding alone) or random",
        "weights_init": "initial mixture weights (null: from init_params)",
        "means_init": "initial means (null: from init_params)",
        "precisions_init": "initial precisions (null: from init_params)",
        "max_components": "the most components n_components=bic tries",
        "chunk_size": "items per chunk in the E-step (bounds memory)",
    }

    def __init__(self, n_components: int | str = 1, covariance_type: str = "full", tol: float = 1e-3,
                 reg_covar: float = 1e-6, max_iter: int = 100, n_init: int = 1,
                 init_params: str = "kmeans", weights_init=None, means_init=None,
                 precisions_init=None, random_state: int | None = 0, max_components: int = 10,
                 chunk_size: int = 16384, device: str = "auto"):
        self.store_params(locals())

    # -- fitting --------------------------------------------------------------------------
    def fit(self, items) -> GaussianMixture:
        self.check_params()
        items = as_item_array(items, self.name)
        item_shape, data = items.shape[1:], items.reshape(len(items), -1)
        if self.n_components == "bic":
            return self._fit_by_bic(data, item_shape)
        k = int(self.n_components)
        if len(data) < k:
            raise InputError(f"gmm: {k} components need at least {k} items, got {len(data)}")
        device = resolve_device(self.device)
        x = torch.as_tensor(data, dtype=torch.float64, device=device)
        self._center = torch.as_tensor(data.mean(0), device=device)  # statistics about it: exact
        chunks = _Chunks(x, self._center, self.chunk_size, self.covariance_type == "full")
        generator = torch.Generator(device="cpu").manual_seed(0 if self.random_state is None
                                                                else int(self.random_state))
        best = None
        for _ in range(1 if self._has_init() else self.n_init):
            state = self._initial_state(x, chunks, k, generator)
            state, bound, trace, converged = self._em(x, chunks, state)
            if best is None or bound > best[1]:
                best = (state, bound, trace, converged)
        state, self.lower_bound_, self.lower_bounds_, self.converged_ = best
        for name, value in state.items():
            setattr(self, f"{name}_", value.cpu().numpy())
        del self._center
        self.n_iter_ = len(self.lower_bounds_)
        self.item_shape_ = item_shape  # samples come back in the items' own shape
        return self

    def _fit_by_bic(self, data: np.ndarray, item_shape: tuple) -> GaussianMixture:
        candidates = []
        for k in range(1, min(self.max_components, len(data)) + 1):
            model = type(self)(**{**self.get_params(), "n_components": k}).fit(data)
            candidates.append((model.bic(data), k, model))
        _, k, model = min(candidates, key=lambda c: (c[0], c[1]))
        self.__dict__.update({key: value for key, value in vars(model).items() if key.endswith("_")})
        self.bic_by_components_ = {kk: float(bic) for bic, kk, _ in candidates}
        self.item_shape_ = item_shape
        return self

    def _em(self, x: torch.Tensor, chunks: _Chunks, state: dict):
        """EM until an iteration improves the mean log-likelihood by less than ``tol``: then the
        parameters whose log-likelihood that iteration computed are kept (so ``lower_bound_`` is
        their exact mean log-likelihood without another pass). Without convergence, the last
        parameters and one more pass for their log-likelihood."""
        trace, previous = [], -math.inf
        for _ in range(self.max_iter):
            updated, bound = self._em_step(chunks, len(x), state)
            trace.append(bound)
            if abs(bound - previous) < self.tol:
                return state, bound, trace, True
            state, previous = updated, bound
        return state, self._mean_log_likelihood(chunks, len(x), state), trace, False

    def _em_step(self, chunks: _Chunks, n: int, state: dict) -> tuple[dict, float]:
        """One pass over the chunks: responsibilities under ``state`` (E) and the statistics
        of the new parameters (M). Returns them and the mean log-likelihood under ``state``."""
        statistics, total = self._statistics(state["means"].shape[0], chunks), 0.0
        forms = _QuadraticForms(state, self._center) if self.covariance_type == "full" else None
        for chunk, centered, features in chunks:
            if forms:  # full covariances: both steps are products with one feature matrix
                resp, log_norm = _normalized_exp(forms.log_weighted_gaussian(features, state["weights"]))
                resp = resp.T
            else:
                log_resp, log_norm = self._log_responsibilities(chunk, state)
                resp = log_resp.exp()
            statistics.add(centered, resp, features)
            total += float(log_norm.double().sum())
        return statistics.parameters(), total / n

    def _statistics(self, k: int, chunks: _Chunks) -> _Statistics:
        return _Statistics(k, chunks.dim, self.covariance_type, self.reg_covar, self._center,
                           self._center.device)

    def _log_responsibilities(self, x: torch.Tensor, state: dict) -> tuple[torch.Tensor, torch.Tensor]:
        weighted = _log_gaussian(x, state, self.covariance_type) + state["weights"].log()
        log_norm = torch.logsumexp(weighted, dim=1)
        return weighted - log_norm[:, None], log_norm

    def _mean_log_likelihood(self, chunks: _Chunks, n: int, state: dict) -> float:
        """The mean log-likelihood of the ``n`` items under ``state``: one pass over the chunks,
        with full covariances through the features kept for EM."""
        forms = _QuadraticForms(state, self._center) if self.covariance_type == "full" else None
        total = 0.0
        for chunk, _, features in chunks:
            if forms:
                weighted = forms.log_weighted_gaussian(features, state["weights"])
                total += float(_normalized_exp(weighted)[1].sum())
            else:
                total += float(self._log_responsibilities(chunk, state)[1].double().sum())
        return total / n

    # -- initialization -------------------------------------------------------------------
    def _has_init(self) -> bool:
        return self.means_init is not None

    def _initial_state(self, x: torch.Tensor, chunks: _Chunks, k: int, generator: torch.Generator) -> dict:
        """Parameters to start EM from: the given ones, or an M-step on initial responsibilities."""
        if self._has_init():
            return self._given_state(x, chunks, k)
        if self.init_params == "random":
            resp = torch.rand(len(x), k, generator=generator).to(x.device)
            resp = resp / resp.sum(1, keepdim=True)
        else:
            # k-means only starts EM: float32 about the data mean is exact enough and twice as fast
            start_x = (x - self._center).float()
            centers = _kmeans_plus_plus(start_x, k, generator)
            steps = KMEANS_STEPS if self.init_params == "kmeans" else 0
            return self._state_from_labels(chunks, _kmeans(start_x, centers, steps, self.chunk_size), k)
        return self._state_from_responsibilities(chunks, resp)

    def _state_from_responsibilities(self, chunks: _Chunks, resp: torch.Tensor) -> dict:
        statistics = self._statistics(resp.shape[1], chunks)
        for (_, centered, features), part in zip(chunks, resp.split(chunks.size)):
            statistics.add(centered, part, features)
        return statistics.parameters()

    def _state_from_labels(self, chunks: _Chunks, labels: torch.Tensor, k: int) -> dict:
        """The M-step for hard assignments (responsibilities one-hot in ``labels``)."""
        statistics = self._statistics(k, chunks)
        for (_, centered, features), part in zip(chunks, labels.split(chunks.size)):
            statistics.add_labels(centered, part, features)
        return statistics.parameters()

    def _given_state(self, x: torch.Tensor, chunks: _Chunks, k: int) -> dict:
        """Start from ``weights_init``/``means_init``/``precisions_init`` (scikit-learn's meaning);
        without precisions, covariances come from assigning each item to its nearest mean."""
        d = x.shape[1]
        means = torch.as_tensor(np.asarray(self.means_init, dtype=np.float64), device=x.device)
        if means.shape != (k, d):
            raise InputError(f"gmm: means_init must have shape {(k, d)}, not {tuple(means.shape)}")
        weights = (torch.full((k,), 1.0 / k, dtype=torch.float64) if self.weights_init is None
                   else torch.as_tensor(np.asarray(self.weights_init, dtype=np.float64))).to(x.device)
        if self.precisions_init is None:
            state = self._state_from_labels(chunks, torch.cdist(x.double(), means).argmin(1), k)
            return {**state, "weights": weights, "means": means}
        precisions = torch.as_tensor(np.asarray(self.precisions_init, dtype=np.float64), device=x.device)
        covariances = _invert_precisions(precisions, self.covariance_type)
        return {"weights": weights, "means": means, "covariances": covariances,
                "precisions_cholesky": _precisions_cholesky(covariances, self.covariance_type)}

    # -- using the fitted mixture -----------------------------------------------------------
    def log_prob(self, items) -> np.ndarray:
        """log p(x) of each item, in nats."""
        self.check_is_fitted()
        x = self._tensor(items)
        return torch.cat([self._log_responsibilities(chunk, self._state())[1].double()
                          for chunk in x.split(self.chunk_size)]).cpu().numpy()

    def score(self, items) -> float:
        """The mean log-likelihood of ``items`` (scikit-learn's ``score``)."""
        return float(self.log_prob(items).mean())

    def predict_proba(self, items) -> np.ndarray:
        """Responsibilities: p(component k | x) for each item, shape (n, n_components)."""
        self.check_is_fitted()
        x = self._tensor(items)
        return torch.cat([self._log_responsibilities(chunk, self._state())[0].exp()
                          for chunk in x.split(self.chunk_size)]).double().cpu().numpy()

    def predict(self, items) -> np.ndarray:
        """The most responsible component of each item."""
        return self.predict_proba(items).argmax(1)

    def bic(self, items) -> float:
        """Bayesian information criterion on ``items``: lower is better."""
        data = self._as_matrix(items)
        return -2 * self.score(data) * len(data) + self._parameter_count() * math.log(len(data))

    def aic(self, items) -> float:
        """Akaike information criterion on ``items``: lower is better."""
        data = self._as_matrix(items)
        return -2 * self.score(data) * len(data) + 2 * self._parameter_count()

    def sample(self, num_samples: int, seed: int | None = None, component: int | None = None) -> np.ndarray:
        """Items drawn from the mixture (or from one ``component``), in the fitted items' shape."""
        self.check_is_fitted()
        rng = np.random.default_rng(seed)
        k = len(self.weights_)
        if component is not None and not 0 <= component < k:
            raise InputError(f"gmm: component must be in 0..{k - 1}, not {component}")
        labels = (np.full(num_samples, component) if component is not None
                  else rng.choice(k, size=num_samples, p=self.weights_ / self.weights_.sum()))
        covariances = self._full_covariances()
        out = np.empty((num_samples, self.means_.shape[1]))
        for j in range(k):
            rows = labels == j
            out[rows] = rng.multivariate_normal(self.means_[j], covariances[j], int(rows.sum()),
                                                method="cholesky")
        return out.reshape(num_samples, *self.item_shape_)

    def sample_future(self, past: np.ndarray, horizon: int, num_samples: int,
                      seed: int | None = None) -> np.ndarray:
        """Samples of the ``horizon`` values after each row of ``past`` (its first dimensions),
        from the exact conditional mixture: (batch, context) -> (batch, num_samples, horizon)."""
        self.check_is_fitted()
        past = np.atleast_2d(np.asarray(past, dtype=np.float64))
        known, dim = past.shape[1], self.means_.shape[1]
        if known + horizon > dim or horizon < 1:
            raise InputError(f"gmm: a past of {known} values and a horizon of {horizon} must fit in "
                             f"the {dim} dimensions the mixture was fitted on")
        rng = np.random.default_rng(seed)
        future = slice(known, known + horizon)
        out = np.empty((len(past), num_samples, horizon))
        for row, values in enumerate(past):
            weights, means, covariances = self.condition(values, future)
            labels = rng.choice(len(weights), size=num_samples, p=weights)
            for j in np.unique(labels):
                rows = labels == j
                out[row, rows] = rng.multivariate_normal(means[j], covariances[j], int(rows.sum()),
                                                         method="cholesky")
        return out

    def condition(self, past: np.ndarray, future: slice | None = None):
        """The mixture of the dimensions ``future`` (default: all after ``past``) given the
        first ``len(past)`` dimensions: (weights (k,), means (k, f), covariances (k, f, f))."""
        self.check_is_fitted()
        past = np.asarray(past, dtype=np.float64)
        known = len(past)
        future = future or slice(known, self.means_.shape[1])
        covariances = self._full_covariances()
        log_weights, means, conditional = [], [], []
        for j in range(len(self.weights_)):
            s_pp = covariances[j][:known, :known]
            s_fp = covariances[j][future, :known]
            gain = np.linalg.solve(s_pp, s_fp.T).T
            residual = past - self.means_[j][:known]
            means.append(self.means_[j][future] + gain @ residual)
            conditional.append(covariances[j][future, future] - gain @ s_fp.T)
            _, logdet = np.linalg.slogdet(s_pp)
            mahalanobis = residual @ np.linalg.solve(s_pp, residual)
            log_weights.append(math.log(self.weights_[j]) - 0.5 * (mahalanobis + logdet
                                                                   + known * math.log(2 * math.pi)))
        log_weights = np.asarray(log_weights)
        weights = np.exp(log_weights - log_weights.max())
        return weights / weights.sum(), np.asarray(means), np.asarray(conditional)

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint_state(self) -> tuple[dict, dict]:
        tensors = {name: torch.as_tensor(getattr(self, f"{name}_"))
                   for name in ("weights", "means", "covariances", "precisions_cholesky")}
        return tensors, {"converged": bool(self.converged_), "n_iter": int(self.n_iter_),
                         "lower_bound": float(self.lower_bound_), "item_shape": list(self.item_shape_)}

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        for name, tensor in tensors.items():
            setattr(self, f"{name}_", tensor.double().numpy())
        self.converged_, self.n_iter_ = state["converged"], state["n_iter"]
        self.lower_bound_, self.lower_bounds_ = state["lower_bound"], []
        self.item_shape_ = tuple(state["item_shape"])

    # -- helpers ----------------------------------------------------------------------------
    def check_params(self) -> None:
        if self.covariance_type not in COVARIANCE_TYPES:
            raise InputError(f"gmm: covariance_type must be one of {', '.join(COVARIANCE_TYPES)}, "
                             f"not {self.covariance_type!r}")
        if self.init_params not in INIT_PARAMS:
            raise InputError(f"gmm: init_params must be one of {', '.join(INIT_PARAMS)}, "
                             f"not {self.init_params!r}")
        if self.n_components != "bic" and (not isinstance(self.n_components, int) or self.n_components < 1):
            raise InputError(f"gmm: n_components must be a positive integer or 'bic', "
                             f"not {self.n_components!r}")
        if self.max_iter < 1 or self.n_init < 1 or self.reg_covar < 0 or self.chunk_size < 1:
            raise InputError("gmm: max_iter, n_init and chunk_size must be at least 1 and reg_covar "
                             "at least 0")

    def _as_matrix(self, items) -> np.ndarray:
        """Items as rows of numbers, whatever their own shape."""
        items = as_item_array(items, self.name)
        return items.reshape(len(items), -1)

    def _tensor(self, items) -> torch.Tensor:
        data = self._as_matrix(items)
        if data.shape[1] != self.means_.shape[1]:
            raise InputError(f"gmm: the mixture was fitted on {self.means_.shape[1]} dimensions, "
                             f"these items have {data.shape[1]}")
        return torch.as_tensor(data, dtype=torch.float64, device=resolve_device(self.device))

    def _state(self) -> dict:
        device = resolve_device(self.device)
        return {name: torch.as_tensor(getattr(self, f"{name}_"), device=device)
                for name in ("weights", "means", "covariances", "precisions_cholesky")}

    def _full_covariances(self) -> np.ndarray:
        k, d = self.means_.shape
        covariances = self.covariances_
        if self.covariance_type == "full":
            return covariances
        if self.covariance_type == "tied":
            return np.broadcast_to(covariances, (k, d, d))
        if self.covariance_type == "diag":
            return np.stack([np.diag(c) for c in covariances])
        return np.stack([c * np.eye(d) for c in covariances])

    def _parameter_count(self) -> int:
        k, d = self.means_.shape
        per_covariance = {"full": k * d * (d + 1) / 2, "tied": d * (d + 1) / 2, "diag": k * d,
                          "spherical": k}[self.covariance_type]
        return int(per_covariance + k * d + k - 1)


class _Chunks:
    """The rows in chunks, each as (rows, rows minus the center, and for
    full covariances the feature matrix of ``_features``): computed once and kept when
    they fit in CACHE_BYTES, else recomputed on every pass (any N, chunk-sized memory)."""

    def __init__(self, x: torch.Tensor, center: torch.Tensor, size: int, features: bool):
        self.x, self.center, self.features = x, center, features
        self.dim = x.shape[1]
        per_row = 8 * (self.dim + (_feature_count(self.dim) if features else 0))
        self.size = max(1, min(size, CHUNK_BYTES // per_row))
        self.cache = list(self._compute()) if len(x) * per_row <= CACHE_BYTES else None

    def __iter__(self):
        return iter(self.cache) if self.cache is not None else self._compute()

    def _compute(self):
        for chunk in self.x.split(self.size):
            centered = chunk.double() - self.center
            yield chunk, centered, _features(centered) if self.features else None


class _Statistics:
    """The sufficient statistics of an M-step, summed chunk by chunk in float64 about a fixed
    center (the data mean), so no second pass and no cancellation; then scikit-learn's
    estimators: weights nk / N, means, covariances plus ``reg_covar`` on the diagonal."""

    def __init__(self, k: int, d: int, covariance_type: str, reg_covar: float, center: torch.Tensor, device):
        self.covariance_type, self.reg_covar, self.center = covariance_type, reg_covar, center
        zeros = dict(dtype=torch.float64, device=device)
        self.nk, self.first = torch.zeros(k, **zeros), torch.zeros(k, d, **zeros)
        shape = {"full": (k, d * (d + 1) // 2), "tied": (d, d)}.get(covariance_type, (k, d))
        self.second = torch.zeros(*shape, **zeros)

    def add(self, centered: torch.Tensor, resp: torch.Tensor, features: torch.Tensor | None) -> None:
        """One chunk: its rows minus the center (float64), responsibilities (n, k), and for
        full covariances its ``_features`` (all three sums in one matrix product)."""
        resp = resp.double()
        if self.covariance_type == "full":
            return self._add_feature_sums(resp.T @ features.T)
        self.nk += resp.sum(0)
        self.first += resp.T @ centered
        if self.covariance_type == "tied":
            self.second += centered.T @ centered
        else:
            self.second += resp.T @ centered.square()

    def add_labels(self, centered: torch.Tensor, labels: torch.Tensor, features: torch.Tensor | None) -> None:
        """As ``add`` for one-hot responsibilities given by their ``labels``: sums by label."""
        if self.covariance_type != "full":
            return self.add(centered, torch.nn.functional.one_hot(labels, len(self.nk)), features)
        sums = torch.zeros(len(features), len(self.nk), dtype=torch.float64, device=features.device)
        self._add_feature_sums(sums.index_add_(1, labels, features).T)

    def _add_feature_sums(self, sums: torch.Tensor) -> None:
        """(k, features) sums of responsibility x feature: pair products, values, ones."""
        pairs = self.second.shape[1]
        self.second += sums[:, :pairs]
        self.first += sums[:, pairs:-1]
        self.nk += sums[:, -1]

    def parameters(self) -> dict:
        nk = self.nk + 10 * EPS
        offsets = self.first / nk[:, None]  # the means, relative to the center
        k, d = offsets.shape
        eye = torch.eye(d, dtype=torch.float64, device=nk.device)
        if self.covariance_type == "full":
            second = _symmetric(self.second, d) / nk[:, None, None]
            covariances = second - offsets[:, :, None] * offsets[:, None, :] + self.reg_covar * eye
        elif self.covariance_type == "tied":
            covariances = (self.second - (nk[:, None] * offsets).T @ offsets) / nk.sum()
            covariances = covariances + self.reg_covar * eye
        else:
            covariances = self.second / nk[:, None] - offsets.square() + self.reg_covar
            if self.covariance_type == "spherical":
                covariances = covariances.mean(1)
        return {"weights": nk / nk.sum(), "means": offsets + self.center, "covariances": covariances,
                "precisions_cholesky": _precisions_cholesky(covariances, self.covariance_type)}


class _QuadraticForms:
    """log w_k + log N(x | mu_k, Sigma_k) for full covariances, in float64, as one matrix
    product with the features of ``_features``: with the data centered,
    (x - mu)' P (x - mu) = sum_(i<=j) w_ij P_ij x_i x_j - 2 x' P mu + mu' P mu
    (w = 1 on the diagonal, 2 off it). The M-step's sums are products with the same
    features, so an EM iteration is two matrix products and a log-sum-exp."""

    def __init__(self, state: dict, center: torch.Tensor):
        chol = state["precisions_cholesky"]
        precisions = chol @ chol.transpose(-1, -2)
        d = precisions.shape[-1]
        rows, columns = torch.triu_indices(d, d, device=chol.device)
        offsets = state["means"] - center
        linear = torch.einsum("kde,ke->kd", precisions, offsets)
        pairs = precisions[:, rows, columns] * torch.where(rows == columns, 1.0, 2.0).double()
        constant = (offsets * linear).sum(1, keepdim=True)
        self.coefficients = -0.5 * torch.cat([pairs, -2 * linear, constant], dim=1)
        self.log_det = chol.diagonal(dim1=1, dim2=2).log().sum(1) - 0.5 * d * math.log(2 * math.pi)

    def log_weighted_gaussian(self, features: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """(k, n) for the features (p, n) of a chunk."""
        return torch.addmm((self.log_det + weights.log())[:, None], self.coefficients, features)


def _normalized_exp(weighted: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Columns of log-weights (k, n) -> (the exp of each column normalized to sum 1, the column's
    log-sum-exp): one exp for both (a log-sum-exp by hand), in place of ``weighted``. The clamp
    keeps exp away from denormals, which are slow, for terms below e^-80 of the largest."""
    top = weighted.amax(dim=0, keepdim=True)
    resp = weighted.sub_(top).clamp_(min=-80.0).exp_()
    total = resp.sum(0, keepdim=True)
    resp /= total
    return resp, (top + total.log_()).squeeze(0)


def _feature_count(d: int) -> int:
    return d * (d + 1) // 2 + d + 1


def _features(centered: torch.Tensor) -> torch.Tensor:
    """Each row's pair products x_i x_j (i <= j, in ``torch.triu_indices`` order), values and a
    one, stored feature-major: (n, d) -> (d (d + 1) / 2 + d + 1, n)."""
    n, d = centered.shape
    pairs = d * (d + 1) // 2
    out = torch.empty(pairs + d + 1, n, dtype=centered.dtype, device=centered.device)
    values = out[pairs:pairs + d]
    values.copy_(centered.T)
    start = 0
    for i in range(d):  # row i of the upper triangle: x_i times x_i .. x_(d-1)
        torch.mul(values[i:i + 1], values[i:], out=out[start:start + d - i])
        start += d - i
    out[-1] = 1.0
    return out


def _symmetric(upper: torch.Tensor, d: int) -> torch.Tensor:
    """(k, d (d + 1) / 2) upper triangles -> (k, d, d) symmetric matrices."""
    rows, columns = torch.triu_indices(d, d, device=upper.device)
    out = torch.zeros(len(upper), d, d, dtype=upper.dtype, device=upper.device)
    out[:, rows, columns] = upper
    out[:, columns, rows] = upper
    return out


def _log_gaussian(x: torch.Tensor, state: dict, covariance_type: str) -> torch.Tensor:
    """log N(x_n | mu_k, Sigma_k) for every row and component, (n, k), in float64."""
    x = x.double()
    means, chol = state["means"].double(), state["precisions_cholesky"].double()
    d = x.shape[1]
    if covariance_type == "full":
        whitened = torch.einsum("nd,kde->nke", x, chol) - torch.einsum("kd,kde->ke", means, chol)[None]
        squares = whitened.square().sum(-1)
        log_det = chol.diagonal(dim1=1, dim2=2).log().sum(-1)
    elif covariance_type == "tied":
        whitened = (x @ chol)[:, None, :] - (means @ chol)[None]
        squares = whitened.square().sum(-1)
        log_det = chol.diagonal().log().sum().expand(len(means))
    elif covariance_type == "diag":
        squares = ((x[:, None, :] - means[None]) * chol[None]).square().sum(-1)
        log_det = chol.log().sum(-1)
    else:
        squares = (x[:, None, :] - means[None]).square().sum(-1) * chol.square()[None]
        log_det = d * chol.log()
    return -0.5 * (d * math.log(2 * math.pi) + squares) + log_det[None]


def _precisions_cholesky(covariances: torch.Tensor, covariance_type: str) -> torch.Tensor:
    """The Cholesky factor of each precision matrix, as scikit-learn keeps it."""
    if covariance_type in ("diag", "spherical"):
        return covariances.rsqrt()
    try:
        factor = torch.linalg.cholesky(covariances)
    except torch.linalg.LinAlgError:
        raise InputError("gmm: a covariance matrix is singular (duplicated or collinear items); "
                         "raise reg_covar, use fewer components or covariance_type='diag'") from None
    eye = torch.eye(covariances.shape[-1], dtype=covariances.dtype, device=covariances.device)
    inverse = torch.linalg.solve_triangular(factor, eye.expand_as(factor), upper=False)
    return inverse.transpose(-1, -2)


def _invert_precisions(precisions: torch.Tensor, covariance_type: str) -> torch.Tensor:
    if covariance_type in ("diag", "spherical"):
        return 1.0 / precisions
    return torch.linalg.inv(precisions)


def _kmeans_plus_plus(x: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """Greedy k-means++ (Arthur & Vassilvitskii 2007; the greedy variant scikit-learn uses): each new
    center is the best of 2 + log(k) candidates drawn with probability ~ squared distance, the one
    that lowers the sum of squared distances most."""
    trials = 2 + int(math.log(k))
    norms = x.square().sum(1)
    first = int(torch.randint(len(x), (1,), generator=generator))
    chosen = [first]
    closest = _squared_distances(x[first:first + 1], x, norms)[0]
    for _ in range(1, k):
        candidates = _draw_by_weight(closest, trials, generator)
        distances = torch.minimum(closest[None, :], _squared_distances(x[candidates], x, norms))
        best = int(distances.sum(1).argmin())
        chosen.append(int(candidates[best]))
        closest = distances[best]
    return x[chosen]


def _draw_by_weight(weights: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """``count`` indices drawn with replacement with probability ~ ``weights`` (uniformly when all
    are zero: every point is already a center), by inverting the cumulative sum."""
    cumulative = weights.double().cumsum(0)
    total = float(cumulative[-1])
    if total <= 0:
        return torch.randint(len(weights), (count,), generator=generator).to(weights.device)
    uniforms = torch.rand(count, dtype=torch.float64, generator=generator).to(weights.device) * total
    return torch.searchsorted(cumulative, uniforms).clamp_(max=len(weights) - 1)


def _squared_distances(a: torch.Tensor, b: torch.Tensor, b_norms: torch.Tensor) -> torch.Tensor:
    """|a_i - b_j|^2 for rows a (m, d) and b (n, d), as |a|^2 + |b|^2 - 2 a.b (one product)."""
    products = torch.addmm(b_norms[None, :], a, b.T, alpha=-2)
    return products.add_(a.square().sum(1)[:, None]).clamp_(min=0)


def _kmeans(x: torch.Tensor, centers: torch.Tensor, steps: int, chunk_size: int) -> torch.Tensor:
    """Lloyd's steps from ``centers``; the final labels. Stops when no label changes or, as
    scikit-learn's KMeans, when the centers moved by at most KMEANS_TOL x the mean variance of the
    features (summed squared shifts). An emptied cluster keeps its center.

    Hamerly's bounds (Hamerly 2010, "Making k-means even faster") give Lloyd's labels while
    skipping most distances: each point keeps an upper bound on the distance to its center and
    a lower bound on the distance to any other; only points whose bounds cross are looked at."""
    k = len(centers)
    features_first = x.T.contiguous()  # per-cluster sums are fastest summed along rows
    tolerance = KMEANS_TOL * float(features_first.var(dim=1).mean())
    norms = x.square().sum(1)
    labels, upper, lower = _nearest_two(x, norms, centers, chunk_size)
    for _ in range(steps):
        counts = torch.bincount(labels, minlength=k).to(x.dtype)
        sums = x.new_zeros(x.shape[1], k).index_add_(1, labels, features_first).T
        moved = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], centers)
        shifts = (moved - centers).norm(dim=1)
        centers = moved
        upper += shifts[labels]
        lower -= _largest_other(shifts)[labels]
        bound = torch.maximum(_half_gap(centers)[labels], lower)
        suspects = (upper > bound).nonzero().squeeze(1)
        upper[suspects] = (x[suspects] - centers[labels[suspects]]).norm(dim=1)
        suspects = suspects[upper[suspects] > bound[suspects]]
        found, upper[suspects], lower[suspects] = _nearest_two(x[suspects], norms[suspects], centers,
                                                               chunk_size)
        changed = not torch.equal(found, labels[suspects])
        labels[suspects] = found
        if not changed or float(shifts.square().sum()) <= tolerance:
            break
    return labels


def _nearest_two(x: torch.Tensor, norms: torch.Tensor, centers: torch.Tensor, chunk_size: int):
    """Each row's nearest center, the distance to it and to the second nearest (inf when k = 1)."""
    center_norms = centers.square().sum(1)[None, :]
    labels, first, second = [], [], []
    for chunk, chunk_norms in zip(x.split(chunk_size), norms.split(chunk_size)):
        squared = torch.addmm(center_norms, chunk, centers.T, alpha=-2).add_(chunk_norms[:, None])
        nearest = squared.argmin(1, keepdim=True)
        first.append(squared.gather(1, nearest).squeeze(1))
        second.append(squared.scatter_(1, nearest, math.inf).amin(1))
        labels.append(nearest.squeeze(1))
    distance = lambda parts: torch.cat(parts).clamp_(min=0).sqrt_()  # noqa: E731
    return torch.cat(labels), distance(first), distance(second)


def _largest_other(shifts: torch.Tensor) -> torch.Tensor:
    """For each center, the largest shift among the other centers."""
    if len(shifts) == 1:
        return torch.zeros_like(shifts)
    top = shifts.topk(2)
    out = torch.full_like(shifts, float(top.values[0]))
    out[top.indices[0]] = top.values[1]
    return out


def _half_gap(centers: torch.Tensor) -> torch.Tensor:
    """Half the distance from each center to its nearest other center: a point closer than that
    to its own center cannot be nearer another."""
    gaps = torch.cdist(centers, centers).fill_diagonal_(math.inf)
    return 0.5 * gaps.amin(1)
