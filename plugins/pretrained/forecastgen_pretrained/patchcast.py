"""``patchcast``: a pretrained global forecaster that forecasts any series zero-shot.

Two networks pretrained on many real and synthetic series (``tools/pretrain.py``;
the corpus in ``corpus/``), a patch transformer (``network.PatchTransformer``, up to 512
points of context) and a residual MLP (``mlp_network.ContextMLP``, 64 points), read the
last points of a series, standardized by their own mean and standard deviation, and give
the quantiles of each of the next 64 steps (direct multi-step quantile regression: Wen
et al. 2017; Chronos-Bolt, Ansari et al. 2024). Longer horizons roll forward on the
median. The forecast averages quantiles level by level: the transformer's read from the
last 512, 256, 128, 64, 32, 24 and 16 points (``contexts``; all of a shorter series), a
test-time ensemble over context lengths, and that with the MLP's (``mlp_share``), an
ensemble of two networks that err differently. Each average was more accurate than its
parts on the data we may select on (M1's held-out windows and the dev series;
docs/models/patchcast.md).

Sample paths: the quantiles fix each step's marginal distribution (piecewise linear
between the levels, linear tails); a path draws the steps' ranks together from a
Gaussian copula whose correlation between neighbouring steps is an AR(1) with the
coefficient measured on held-out windows at export (the normal scores of the realized
values' ranks), so paths wander like real futures instead of jumping independently.
Each step's values are stratified (a Latin hypercube sample reordered by the copula), so
a few hundred paths give the network's median and intervals almost exactly.

The shipped weights are package data (``weights/``, float16 safetensors, read as float32,
checked against the SHA-256 in their JSON at load); nothing is downloaded. ``fit`` only remembers the
series unless ``fine_tune_steps`` asks for fine-tuning on them. Zero-shot forecasts on
the CPU run the network in numpy (``inference.py``) and never import torch, which alone
takes longer to load than a thousand forecasts; fine-tuning, an explicit GPU
(``device="cuda"`` or ``"mps"``) and a fine-tuned checkpoint run it in torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.special import ndtri

from forecastgen.covariate_regression import covariate_effects
from forecastgen.data import as_series_set
from forecastgen.engine.checkpoint import file_sha256
from forecastgen.engine.parallel import series_generators
from forecastgen.errors import InputError
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import SequenceGenerator
from forecastgen.per_series import guard_paths, latin_hypercube_ranks
from forecastgen_pretrained.inference import NUMPY_NETWORKS, is_mlp, numpy_network, weight_names
from forecastgen_pretrained.outputs import QUANTILES, season_class
from forecastgen_pretrained.scaling import encode_arrays, unstandardize

WEIGHTS = Path(__file__).resolve().parent / "weights"
SHIPPED = WEIGHTS / "patchcast.safetensors"  # the patch transformer
SHIPPED_MLP = WEIGHTS / "patchcast-mlp.safetensors"  # the context MLP
NUMPY_DEVICES = ("auto", "cpu")  # zero-shot on these runs in numpy ("auto": a GPU does not pay here)
# the forecast averages the transformer's quantiles read from these many last points (all of
# a shorter series); chosen on M1's held-out windows and the dev series (docs/models/patchcast.md)
CONTEXTS = "512,256,128,64,32,24,16"
MLP_SHARE = 0.3  # the context MLP's weight in the two networks' average (docs/models/patchcast.md)
NO_WEIGHTS = "none"  # mlp_weights="none": the transformer alone
MIN_CONTEXT = 3  # as the shortest series patchcast forecasts
TAIL = 0.002  # ranks are kept within [TAIL, 1 - TAIL]: the linear tails go no further


class PatchCastForecaster(SequenceGenerator):
    name = "patchcast"
    capabilities = frozenset({"forecast", "series", "new_series", "covariates"})
    parameter_help = {
        "weights": "a folder of transformer weights (null: the shipped ones)",
        "contexts": "context lengths whose forecasts the transformer averages (512 alone: the longest)",
        "mlp_weights": "a folder of MLP weights (null: the shipped ones; none: the transformer alone)",
        "mlp_share": "the MLP's weight in the two networks' average (0: the transformer alone)",
        "fine_tune_steps": "gradient steps of fine-tuning on your series (0: zero-shot)",
        "learning_rate": "the fine-tuning's learning rate",
        "batch_size": "windows per fine-tuning step",
        "seed": "seed of the sample paths and the fine-tuning",
    }

    def __init__(self, weights: str | None = None, contexts: str = CONTEXTS, mlp_weights: str | None = None,
                 mlp_share: float = MLP_SHARE, fine_tune_steps: int = 0, learning_rate: float = 1e-4,
                 batch_size: int = 64, device: str = "auto", seed: int = 0):
        self.store_params(locals())

    def fit(self, data) -> PatchCastForecaster:
        data = as_series_set(data)
        effects = covariate_effects(self, data)
        self.load_networks()
        if self.fine_tune_steps:
            from forecastgen_pretrained.finetune import fine_tune

            tuned_on = data if effects is None else effects.remove(data)
            self.history_ = {}
            for name, network in self.networks_.items():
                self.history_[name] = fine_tune(network, tuned_on, self.fine_tune_steps, self.learning_rate,
                                                self.batch_size, self.device_, self.seed)
                network.eval()
        self.data_ = data
        return self

    def load_networks(self) -> PatchCastForecaster:
        """Load the networks the forecast averages (``networks_``, their shares ``shares_`` and
        JSON ``meta_``, by name), without any series: ``fit`` does this first; a benchmark
        forecasting many series calls it alone and then ``members()``."""
        self._use_networks(self._load_members())
        return self

    def _load_members(self) -> dict[str, tuple[dict, dict]]:
        """The weights and JSON of each network the forecast averages, by name, all checked
        before any work; their shares in ``shares_``."""
        share = self.mlp_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise InputError(f"patchcast: mlp_share must be a number from 0 (the transformer alone) to 1 "
                             f"(the MLP alone), not {share!r}")
        share = 0.0 if self.mlp_weights == NO_WEIGHTS else share
        shares = {"transformer": 1.0 - share, "mlp": share}
        self.shares_ = {name: value for name, value in shares.items() if value > 0}
        context_lengths(self.contexts, MIN_CONTEXT)  # a malformed list is refused before any file is read
        files = {"transformer": Path(self.weights) if self.weights else SHIPPED,
                 "mlp": Path(self.mlp_weights) if self.mlp_weights else SHIPPED_MLP}
        members = {name: load_weights(files[name]) for name in self.shares_}
        self.meta_ = {name: meta for name, (_, meta) in members.items()}
        return members

    def _runs_in_torch(self) -> bool:
        return bool(self.fine_tune_steps) or self.device not in NUMPY_DEVICES

    def _use_networks(self, members: dict[str, tuple[dict, dict]]) -> None:
        """The networks on their weights: in numpy, or in torch on the device when fine-tuning
        or asked for a GPU."""
        if self._runs_in_torch():
            from forecastgen.engine.device import resolve_device

            self.device_ = resolve_device(self.device)
            self.networks_ = {name: torch_network(arrays, meta).to(self.device_)
                              for name, (arrays, meta) in members.items()}
        else:
            self.device_ = "cpu"
            self.networks_ = {name: numpy_network(arrays, meta["network"])
                              for name, (arrays, meta) in members.items()}

    def predict(self, horizon: int | None = None, num_samples: int = 200, seed: int | None = None,
                data=None, future=None) -> Forecast:
        """Sample paths of the fitted series (of ``data`` instead, where given). Series with
        covariates are forecast by regression on them with the networks forecasting its errors
        (``forecastgen.covariate_regression``); ``future``: the covariates over the horizon."""
        self.check_is_fitted()
        if data is None and self.data_ is None:
            raise InputError(f"{self.display_name()} was loaded from a checkpoint without its series; "
                             "pass the series to forecast, predict(horizon, data=...)")
        data = self.data_ if data is None else as_series_set(data)
        if future is not None:
            data = data.with_future(future)
        horizon = int(data.default_horizon if horizon is None else horizon)
        data.check_horizon(horizon)
        if num_samples < 1:
            raise InputError(f"num_samples must be at least 1, not {num_samples}")
        effects = covariate_effects(self, data)
        modelled = data if effects is None else effects.remove(data)
        histories = [modelled.values(key) for key in data.ids]
        quantiles = self._quantiles_in_id_order(data.ids, histories, data.freq.season, horizon)
        correlation = self.correlation()
        samples, index, notes = {}, {}, []
        for row, (key, rng) in enumerate(zip(data.ids, series_generators(seed, data.ids))):
            paths = sample_paths(quantiles[row], num_samples, correlation, rng)
            samples[key] = guard_paths(paths, histories[row], data.freq.season, rng, notes, key,
                                       self.name)
            index[key] = data.future_index(key, horizon)
        forecast = Forecast(samples, index, model=self.name, history=dict(data.series), notes=notes)
        return forecast if effects is None else effects.add(forecast, data)

    def _quantiles_in_id_order(self, ids: list, histories: list[np.ndarray], season: int,
                               horizon: int) -> np.ndarray:
        """``ensemble_quantiles`` of the histories (in ``ids``' order), run on a batch sorted by
        id: the networks' float32 matrix products round a row by its place in the batch (BLAS
        kernels differ for the rows at a block's edge), so the file's order would move the
        forecasts in their eighth digit."""
        order = sorted(range(len(ids)), key=lambda row: str(ids[row]))
        sorted_quantiles = ensemble_quantiles(self.members(), [histories[row] for row in order],
                                              [season] * len(ids), horizon)
        quantiles = np.empty_like(sorted_quantiles)
        quantiles[order] = sorted_quantiles
        return quantiles

    def correlation(self) -> float:
        """The paths' copula coefficient: the one measured for the transformer at its export
        (the MLP's where it forecasts alone)."""
        return self.meta_["transformer" if "transformer" in self.meta_ else "mlp"]["copula_correlation"]

    def members(self) -> list[tuple]:
        """(network, share, context lengths) of each network, for ``ensemble_quantiles``: the
        transformer reads ``contexts``, the MLP its longest context alone."""
        return [(network, self.shares_[name],
                 context_lengths(self.contexts, network.max_context) if name == "transformer"
                 else (network.max_context,))
                for name, network in self.networks_.items()]

    # -- checkpoints (fine-tuned networks) -----------------------------------------------------
    def checkpoint_state(self) -> tuple[dict, dict]:
        tensors = {}
        for name, network in self.networks_.items():
            prefix = _checkpoint_prefix(name)
            if isinstance(network, NUMPY_NETWORKS):
                import torch

                weights = {k: torch.from_numpy(v) for k, v in network.weights.items()}
            else:
                weights = network.state_dict()
            tensors.update({prefix + key: value for key, value in weights.items()})
        return tensors, {"meta": self.meta_, "shares": self.shares_}

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        arrays = {name: tensor.cpu().numpy() for name, tensor in tensors.items()}
        if "shares" not in state:  # a checkpoint of the transformer alone, made before the MLP
            state = {"meta": {"transformer": state["meta"]}, "shares": {"transformer": 1.0}}
        self.meta_, self.shares_ = state["meta"], state["shares"]
        members = {}
        for name, meta in self.meta_.items():
            prefix = _checkpoint_prefix(name)
            members[name] = ({key: arrays[prefix + key] for key in weight_names(meta["network"])}, meta)
        self._use_networks(members)
        self.data_ = None


def _checkpoint_prefix(network_name: str) -> str:
    """How a network's tensors are named in a checkpoint: the transformer's as before the
    MLP (so older checkpoints restore), the others under their name."""
    return "" if network_name == "transformer" else f"{network_name}."


# -- inference ------------------------------------------------------------------------------
def ensemble_quantiles(members: list[tuple], histories: list[np.ndarray], seasons: list[int],
                       horizon: int) -> np.ndarray:
    """The quantiles (series, horizon, levels) of the networks' forecasts averaged level by
    level with their shares; ``members``: (network, share, context lengths) each."""
    total = sum(share for _, share, _ in members)
    return sum(share / total * quantile_forecast(network, histories, seasons, horizon, contexts=contexts)
               for network, share, contexts in members)


def quantile_forecast(network, histories: list[np.ndarray], seasons: list[int], horizon: int,
                      batch_size: int = 256, contexts: tuple[int, ...] | None = None) -> np.ndarray:
    """The quantiles (series, horizon, len(QUANTILES)) of each history's next ``horizon`` steps,
    sorted along the last axis; beyond the network's horizon it rolls forward on the median.
    ``contexts``: the context lengths whose forecasts are averaged level by level (default:
    the network's longest alone). ``network``: a NumpyPatchTransformer, or a PatchTransformer
    (torch) on its own device."""
    contexts = tuple(contexts or (network.max_context,))
    out = np.empty((len(histories), horizon, len(QUANTILES)))
    classes = [season_class(int(s)) for s in seasons]
    for start in range(0, len(histories), batch_size):
        part = slice(start, start + batch_size)
        history_batch = [np.asarray(h, dtype=float) for h in histories[part]]
        done = 0
        while done < horizon:
            block = context_average(network, history_batch, classes[part], contexts)
            steps = min(network.horizon, horizon - done)
            out[part, done:done + steps] = block[:, :steps]
            median = block[:, :steps, len(QUANTILES) // 2]
            history_batch = [np.concatenate([c, m]) for c, m in zip(history_batch, median)]
            done += steps
    return out


def context_average(network, histories: list[np.ndarray], classes: list[int],
                    contexts: tuple[int, ...]) -> np.ndarray:
    """The network's sorted quantiles (batch, network horizon, levels) read from the last
    ``c`` points of each history for each ``c`` in ``contexts``, averaged level by level
    (Vincentization). A context at least as long as every history reads the same inputs as
    any other such context: the network runs once for them."""
    longest = min(max(len(h) for h in histories), network.max_context)
    by_length = {}
    for context in contexts:
        length = min(context, longest)
        if length not in by_length:
            *inputs, loc, scale = encode_arrays(histories, classes, network.patch_length, length)
            predicted = run_network(network, inputs).astype(np.float64)
            by_length[length] = np.sort(unstandardize(predicted, loc, scale), axis=-1)
    return np.mean([by_length[min(context, longest)] for context in contexts], axis=0)


def context_lengths(text, max_context: int) -> tuple[int, ...]:
    """``contexts`` as given ("512,256,128", one int or a sequence of ints), each at most
    ``max_context``."""
    parts = text.split(",") if isinstance(text, str) else [text] if isinstance(text, int) else text
    try:
        lengths = tuple(int(part) for part in parts)
    except (TypeError, ValueError):
        lengths = ()
    if not lengths or min(lengths) < MIN_CONTEXT:
        raise InputError(f"patchcast: contexts must be whole numbers of points, at least {MIN_CONTEXT}, "
                         f"such as '{CONTEXTS}', not {text!r}")
    return tuple(min(length, max_context) for length in lengths)


def run_network(network, inputs: list[np.ndarray]) -> np.ndarray:
    """The network's output for numpy inputs, in numpy or in torch on the network's device."""
    if isinstance(network, NUMPY_NETWORKS):
        return network(*inputs)
    import torch

    device = next(network.parameters()).device
    network.eval()
    with torch.no_grad():
        return network(*(torch.from_numpy(part).to(device) for part in inputs)).cpu().numpy()


def quantile_values(quantiles: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Each step's quantile function at ``ranks`` (samples, horizon): piecewise linear between
    the levels, and beyond the outermost levels the outermost segments extended."""
    levels = np.asarray(QUANTILES)
    ranks = np.clip(ranks, TAIL, 1 - TAIL)
    upper = np.clip(np.searchsorted(levels, ranks), 1, len(levels) - 1)
    weight = (ranks - levels[upper - 1]) / (levels[upper] - levels[upper - 1])
    steps = np.arange(quantiles.shape[0])
    low, high = quantiles[steps, upper - 1], quantiles[steps, upper]
    return low + weight * (high - low)


def sample_paths(quantiles: np.ndarray, num_samples: int, correlation: float,
                 rng: np.random.Generator) -> np.ndarray:
    """Paths (num_samples, horizon) whose steps follow ``quantiles`` (horizon, levels) and whose
    ranks are joined by a Gaussian AR(1) copula with lag-one ``correlation``.

    Each step's values are a Latin hypercube sample of its quantile function, handed to
    the paths in the order of the copula's draws (``latin_hypercube_ranks``): the paths'
    median and intervals sit within one slice of the network's."""
    horizon = quantiles.shape[0]
    shocks = rng.standard_normal((num_samples, horizon))
    scores = np.empty_like(shocks)
    scores[:, 0] = shocks[:, 0]
    keep = np.sqrt(max(1 - correlation**2, 0.0))
    for step in range(1, horizon):
        scores[:, step] = correlation * scores[:, step - 1] + keep * shocks[:, step]
    return quantile_values(quantiles, latin_hypercube_ranks(scores, rng))


def copula_correlation(network, histories, seasons, tests) -> float:
    """The mean lag-one correlation of the normal scores of held-out values' ranks under the
    network's quantiles: the copula's coefficient."""
    quantiles = quantile_forecast(network, histories, seasons, max(len(t) for t in tests))
    levels = np.asarray(QUANTILES)
    pairs = []
    for row, test in enumerate(tests):
        ranks = np.array([np.interp(value, quantiles[row, step], levels)
                          for step, value in enumerate(test)])
        scores = ndtri(np.clip(ranks, 0.005, 0.995))
        pairs.extend(zip(scores[:-1], scores[1:]))
    first, second = np.array(pairs).T
    return float(np.clip(np.corrcoef(first, second)[0, 1], 0.0, 0.99))


# -- weights --------------------------------------------------------------------------------
def export_weights(network, path: Path, correlation: float, training: dict, half: bool = False) -> Path:
    """Write ``path`` (safetensors: float32, or float16 with ``half``, half the size: the
    forecasts the same to four digits) and its JSON (configuration, copula, SHA-256,
    training record)."""
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    tensors = {k: v.detach().cpu().to(dtype).contiguous() for k, v in network.state_dict().items()}
    save_file(tensors, str(path))
    path.chmod(0o644)  # package data: readable by all, as the files pip installs
    meta = {"network": network.config(), "quantiles": list(QUANTILES),
            "copula_correlation": round(correlation, 6), "weights_sha256": file_sha256(path),
            "training": training}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return path


def load_weights(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """The weights stored at ``path`` (numpy arrays by name) and their JSON, after checking
    the weights' SHA-256."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise InputError(f"patchcast: no weights at {path} (or its .json); reinstall "
                         "forecastgen-pretrained or pass weights=PATH")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{meta_path}: not valid JSON ({exc}); reinstall forecastgen-pretrained") from None
    if file_sha256(path) != meta.get("weights_sha256"):
        raise InputError(f"{path}: the weights do not match their SHA-256 in {meta_path.name}: the file "
                         "was changed or damaged; reinstall forecastgen-pretrained")
    if list(meta.get("quantiles", [])) != list(QUANTILES):
        raise InputError(f"{meta_path}: weights for other quantile levels; this version reads {QUANTILES}")
    try:
        arrays = {name: array.astype(np.float32) for name, array in load_file(str(path)).items()}
    except SafetensorError as exc:
        raise InputError(f"{path}: unreadable weights ({str(exc).splitlines()[0]})") from None
    expected = set(weight_names(meta["network"]))
    if set(arrays) != expected:
        missing, extra = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
        raise InputError(f"{path}: the weights do not fit the network (missing {missing[:3]}, "
                         f"unexpected {extra[:3]})")
    return arrays, meta


def torch_network(arrays: dict, meta: dict):
    """The torch network of ``meta`` (a PatchTransformer or a ContextMLP) holding ``arrays``
    (numpy arrays or tensors by name)."""
    import torch

    from forecastgen_pretrained.mlp_network import ContextMLP
    from forecastgen_pretrained.network import PatchTransformer

    config = {key: value for key, value in meta["network"].items() if key != "architecture"}
    network = (ContextMLP if is_mlp(meta["network"]) else PatchTransformer)(**config)
    try:
        network.load_state_dict({k: torch.as_tensor(v) for k, v in arrays.items()})
    except RuntimeError as exc:
        raise InputError(f"the weights do not fit the network ({str(exc).splitlines()[0]})") from None
    return network.eval()


def load_network(path: Path):
    """The torch network stored at ``path`` and its JSON (pretraining, benchmarks of torch runs)."""
    arrays, meta = load_weights(path)
    return torch_network(arrays, meta), meta
