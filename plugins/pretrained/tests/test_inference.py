"""The numpy forward pass is the torch network's, and zero-shot forecasts never load torch."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from forecastgen_pretrained.inference import NumpyPatchTransformer, numpy_network, weight_names
from forecastgen_pretrained.mlp_network import ContextMLP
from forecastgen_pretrained.network import PatchTransformer
from forecastgen_pretrained.outputs import season_class
from forecastgen_pretrained.patchcast import (
    SHIPPED,
    SHIPPED_MLP,
    load_weights,
    quantile_forecast,
    torch_network,
)
from forecastgen_pretrained.scaling import encode_arrays

import forecastgen

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "data"


@pytest.fixture(scope="module")
def networks():
    arrays, meta = load_weights(SHIPPED)
    return NumpyPatchTransformer(arrays, meta["network"]), torch_network(arrays, meta)


def real_histories() -> tuple[list[np.ndarray], list[int]]:
    """Series of several frequencies and lengths (12 to over 512 points): the example series and
    an hourly one of 700 points (generated: no example is that long)."""
    from forecastgen.testing import ordinary_values

    histories, seasons = [], []
    for name, key, season in [("sunspots", "sunspots", 1), ("macro", "realgdp", 4), ("co2", "co2", 52),
                              ("elnino", "elnino", 12), ("airline", "airline", 12)]:
        histories.append(forecastgen.read_series(EXAMPLES / f"{name}.csv").values(key))
        seasons.append(season)
    return histories + [ordinary_values(700, 24, seed=1), histories[-1][:12]], seasons + [24, 12]


def test_the_numpy_pass_gives_the_torch_networks_output(networks):
    numpy_network, torch_network_ = networks
    histories, seasons = real_histories()
    classes = [season_class(season) for season in seasons]
    inputs = encode_arrays(histories, classes, numpy_network.patch_length, numpy_network.max_context)[:3]
    with torch.no_grad():
        expected = torch_network_(*(torch.from_numpy(part) for part in inputs)).numpy()
    np.testing.assert_allclose(numpy_network(*inputs), expected, atol=1e-4)
    both = [quantile_forecast(network, histories, seasons, 80) for network in networks]
    np.testing.assert_allclose(both[0], both[1], rtol=1e-4, atol=1e-4 * np.abs(both[1]).max())


def test_the_numpy_mlp_gives_the_torch_mlps_output():
    arrays, meta = load_weights(SHIPPED_MLP)
    numpy_mlp, torch_mlp = numpy_network(arrays, meta["network"]), torch_network(arrays, meta)
    assert isinstance(torch_mlp, ContextMLP)
    histories, seasons = real_histories()  # from 12 points (padded) to over 512 (cut to the last 64)
    both = [quantile_forecast(network, histories, seasons, 80, contexts=(64, 16)) for network in (numpy_mlp,
                                                                                                 torch_mlp)]
    np.testing.assert_allclose(both[0], both[1], rtol=1e-4, atol=1e-4 * np.abs(both[1]).max())
    assert np.isfinite(both[0]).all() and (np.diff(both[0], axis=-1) >= 0).all()


def test_the_numpy_pass_reads_every_weight_of_the_torch_network():
    config = {"patch_length": 8, "max_context": 64, "horizon": 4, "d_model": 16, "heads": 2,
              "layers": 3, "feedforward": 32, "quantiles": 5}
    assert sorted(weight_names(config)) == sorted(PatchTransformer(**config).state_dict())
    mlp = ContextMLP(max_context=16, horizon=4, width=8, blocks=2, quantiles=5)
    assert sorted(weight_names(mlp.config())) == sorted(mlp.state_dict())


def test_weights_that_do_not_fit_are_refused(tmp_path):
    from safetensors.numpy import save_file

    arrays, _ = load_weights(SHIPPED)
    del arrays["norm.bias"]
    broken = tmp_path / "patchcast.safetensors"
    save_file(arrays, str(broken))
    meta = SHIPPED.with_suffix(".json").read_text()
    from forecastgen.engine.checkpoint import file_sha256

    original = file_sha256(SHIPPED)
    broken.with_suffix(".json").write_text(meta.replace(original, file_sha256(broken)))
    with pytest.raises(forecastgen.InputError, match=r"do not fit the network \(missing \['norm.bias'\]"):
        load_weights(broken)


def test_a_zero_shot_forecast_from_the_command_line_never_imports_torch(tmp_path):
    code = ("import sys\nfrom forecastgen.cli import main\nsys.argv = ['forecastgen', 'predict', "
            f"{str(ROOT / 'examples' / 'data' / 'airline.csv')!r}, '-m', 'patchcast', '-q', '-o', "
            f"{str(tmp_path / 'f.csv')!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "FORECASTGEN_PLUGINS": "pretrained"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert len((tmp_path / "f.csv").read_text().splitlines()) == 19
