import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from forecastgen_pretrained.network import QUANTILES
from forecastgen_pretrained.patchcast import (
    SHIPPED,
    SHIPPED_MLP,
    load_network,
    quantile_forecast,
    sample_paths,
)

import forecastgen
from forecastgen.cli import cli
from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.engine.parallel import series_generators
from forecastgen.errors import InputError
from forecastgen.metrics import mase

ROOT = Path(__file__).resolve().parents[3]
AIRLINE = ROOT / "examples" / "data" / "airline.csv"


@pytest.fixture(scope="module")
def airline():
    return forecastgen.read_series(AIRLINE)


@pytest.fixture(scope="module")
def zero_shot(airline):
    return forecastgen.create("patchcast", device="cpu").fit(airline.drop_last(12))


def test_shipped_weights_are_small_and_verified(tmp_path):
    assert SHIPPED.stat().st_size + SHIPPED_MLP.stat().st_size < 20 * 2**20  # both networks together
    for path, architecture in ((SHIPPED, "PatchTransformer"), (SHIPPED_MLP, "ContextMLP")):
        network, meta = load_network(path)
        assert type(network).__name__ == architecture
        assert meta["quantiles"] == list(QUANTILES) and 0 <= meta["copula_correlation"] < 1
        assert sum(p.numel() for p in network.parameters()) > 1_000_000
        assert all(p.dtype == torch.float32 for p in network.parameters())  # stored as float16
    tampered = tmp_path / SHIPPED.name
    shutil.copy(SHIPPED, tampered)
    shutil.copy(SHIPPED.with_suffix(".json"), tampered.with_suffix(".json"))
    data = bytearray(tampered.read_bytes())
    data[-5] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(InputError, match="SHA-256"):
        load_network(tampered)
    with pytest.raises(InputError, match="no weights"):
        load_network(tmp_path / "missing.safetensors")


def test_zero_shot_forecast_of_the_airline_series(airline, zero_shot):
    forecast = zero_shot.predict(12, num_samples=300, seed=0)
    paths = forecast.samples["airline"]
    assert paths.shape == (300, 12) and np.isfinite(paths).all() and not forecast.notes
    actual = airline.values("airline")[-12:]
    history = airline.values("airline")[:-12]
    median = np.median(paths, axis=0)
    # zero-shot, it must know the airline's season: far better than the naive forecast
    # (MASE 3.7 for the last value repeated) and close to seasonal naive (1.0 by construction)
    assert mase(actual, median, history, 12) < 1.5
    assert np.corrcoef(median, actual)[0, 1] > 0.8
    low, high = np.quantile(paths, [0.05, 0.95], axis=0)
    assert (high > low).all()


def test_same_seed_same_paths(zero_shot):
    one = zero_shot.predict(6, num_samples=50, seed=3).samples["airline"]
    two = zero_shot.predict(6, num_samples=50, seed=3).samples["airline"]
    other = zero_shot.predict(6, num_samples=50, seed=4).samples["airline"]
    assert np.array_equal(one, two) and not np.array_equal(one, other)


def test_forecasts_other_series_and_horizons_beyond_the_network(zero_shot, airline):
    shifted = airline.to_frame().assign(value=lambda f: f["value"] * 1000 + 5)
    forecast = zero_shot.predict(100, num_samples=20, seed=0, data=shifted)
    paths = forecast.samples["airline"]
    assert paths.shape == (20, 100) and np.isfinite(paths).all()
    # scale-free: a series times 1000 plus 5 gets the same forecast times 1000 plus 5
    plain = zero_shot.predict(100, num_samples=20, seed=0, data=airline).samples["airline"]
    np.testing.assert_allclose(paths, plain * 1000 + 5, rtol=1e-4)


def test_paths_follow_the_quantiles_and_the_copula():
    rng = np.random.default_rng(0)
    base = np.array([-2.3, -1.96, -1.64, -1.28, -0.84, -0.52, -0.25, 0, 0.25, 0.52, 0.84, 1.28, 1.64,
                     1.96, 2.3])
    quantiles = np.stack([base * scale + shift for scale, shift in [(1, 0), (2, 5), (3, -1)]])
    paths = sample_paths(quantiles, 40_000, 0.7, rng)
    for step in range(3):
        empirical = np.quantile(paths[:, step], QUANTILES)
        np.testing.assert_allclose(empirical, quantiles[step], atol=0.06 * (step + 1))
    scores = (paths[:, :2] - [0, 5]) / [1, 2]  # normal scores, as the quantiles are N(0,1)-like
    assert abs(np.corrcoef(scores.T)[0, 1] - 0.7) < 0.03
    independent = sample_paths(quantiles, 40_000, 0.0, rng)
    assert abs(np.corrcoef(independent[:, :2].T)[0, 1]) < 0.03


def test_a_few_hundred_paths_give_the_quantiles_within_one_slice():
    widths = np.arange(1, 7)  # uniform distributions on [-width / 2, width / 2]: linear quantiles
    quantiles = (np.asarray(QUANTILES) - 0.5) * widths[:, None]
    for seed in range(5):
        paths = sample_paths(quantiles, 200, 0.7, np.random.default_rng(seed))
        assert (np.abs(np.median(paths, axis=0)) <= widths / 200).all()
        assert (np.abs(np.quantile(paths, 0.9, axis=0) - 0.4 * widths) <= 2 * widths / 200).all()
        assert np.corrcoef(paths[:, :2].T)[0, 1] > 0.6  # the copula still joins the steps
    single = [sample_paths(quantiles, 1, 0.7, np.random.default_rng(seed))[0, 0] for seed in range(400)]
    assert 0.4 < np.mean(np.array(single) < 0) < 0.6  # one path is a draw, not the median


def test_quantiles_are_sorted_and_roll_past_the_network_horizon(airline):
    network, _ = load_network(SHIPPED)
    out = quantile_forecast(network, [airline.values("airline")], [12], network.horizon + 10)
    assert out.shape == (1, network.horizon + 10, len(QUANTILES))
    assert (np.diff(out, axis=-1) >= 0).all() and np.isfinite(out).all()


def test_fine_tuning_changes_the_networks_not_the_shipped_weights(airline, tmp_path):
    before = SHIPPED.read_bytes()
    shipped, _ = load_network(SHIPPED)
    model = forecastgen.create("patchcast", fine_tune_steps=20, batch_size=16, device="cpu")
    model.fit(airline.drop_last(12))
    assert set(model.history_) == {"transformer", "mlp"}  # both networks fine-tuned
    assert all(len(history.train_loss) == 2 for history in model.history_.values())
    shipped_mlp, _ = load_network(SHIPPED_MLP)
    for name, network in (("transformer", shipped), ("mlp", shipped_mlp)):
        tuned = model.networks_[name].state_dict()
        assert any(not torch.equal(value, tuned[key]) for key, value in network.state_dict().items()), name
    assert SHIPPED.read_bytes() == before
    forecast = model.predict(12, num_samples=20, seed=0)
    assert np.isfinite(forecast.samples["airline"]).all()

    restored = load_checkpoint(save_checkpoint(model, tmp_path / "tuned"))
    again = restored.predict(12, num_samples=20, seed=0, data=airline.drop_last(12))
    np.testing.assert_allclose(again.samples["airline"], forecast.samples["airline"], rtol=1e-4)


def test_too_short_series_are_refused():
    import pandas as pd

    short = pd.Series([1.0, 2.0], index=pd.date_range("2020", periods=2, freq="MS"), name="tiny")
    with pytest.raises(InputError, match="at least 3"):
        forecastgen.create("patchcast").fit(short)


def test_cli_forecasts_zero_shot(tmp_path):
    output = tmp_path / "forecast.csv"
    arguments = ["predict", str(AIRLINE), "-m", "patchcast", "-H", "6", "-o", str(output)]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    lines = output.read_text().splitlines()
    assert len(lines) == 7 and lines[0].startswith("id,timestamp,mean")


def test_the_forecast_averages_the_quantiles_of_each_context_length(airline):
    from forecastgen_pretrained.inference import NumpyPatchTransformer
    from forecastgen_pretrained.patchcast import load_weights

    arrays, meta = load_weights(SHIPPED)
    network = NumpyPatchTransformer(arrays, meta["network"])
    values = airline.values("airline")
    histories, seasons = [values, values[:40]], [12, 12]  # 144 points, and fewer than some contexts
    contexts = (512, 256, 128, 64, 32)
    alone = [quantile_forecast(network, histories, seasons, 12, contexts=(c,)) for c in contexts]
    together = quantile_forecast(network, histories, seasons, 12, contexts=contexts)
    np.testing.assert_allclose(together, np.mean(alone, axis=0), rtol=1e-12)
    # contexts at least as long as a series read it whole: 512 and 256 read the same 144 points
    np.testing.assert_array_equal(alone[0], alone[1])
    assert not np.allclose(alone[0][0], alone[2][0], rtol=1e-3)
    # the 40-point series is read whole from 64 up (padded to other lengths in its batch)
    np.testing.assert_allclose(alone[0][1], alone[3][1], rtol=1e-4)
    assert not np.allclose(alone[0][1], alone[4][1], rtol=1e-3)
    assert (np.diff(together, axis=-1) >= 0).all()


def test_contexts_parameter(airline):
    history = airline.drop_last(12)
    one = forecastgen.create("patchcast", contexts=512).fit(history).predict(12, num_samples=20, seed=0)
    default = forecastgen.create("patchcast").fit(history).predict(12, num_samples=20, seed=0)
    listed = forecastgen.create("patchcast", contexts=[512, 256, 128, 64, 32, 24, 16]).fit(history)
    np.testing.assert_array_equal(listed.predict(12, num_samples=20, seed=0).samples["airline"],
                                  default.samples["airline"])
    assert not np.allclose(one.samples["airline"], default.samples["airline"])
    for bad in ("long", "2,64", []):
        with pytest.raises(InputError, match="contexts must be whole numbers of points, at least 3"):
            forecastgen.create("patchcast", contexts=bad).fit(history)
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), "-m", "patchcast", "-p", "contexts=64,x"])
    assert result.exit_code != 0 and "contexts must be whole numbers" in result.output


def test_the_forecast_averages_the_two_networks_by_the_mlp_share(airline):
    from forecastgen_pretrained.inference import numpy_network
    from forecastgen_pretrained.patchcast import (
        CONTEXTS,
        MLP_SHARE,
        context_lengths,
        ensemble_quantiles,
        load_weights,
    )

    history = airline.drop_last(12)
    values = history.values("airline")
    transformer, mlp = (numpy_network(arrays, meta["network"])
                        for arrays, meta in (load_weights(SHIPPED), load_weights(SHIPPED_MLP)))
    alone = quantile_forecast(transformer, [values], [12], 12, contexts=context_lengths(CONTEXTS, 512))
    mlp_alone = quantile_forecast(mlp, [values], [12], 12)
    expected = (1 - MLP_SHARE) * alone + MLP_SHARE * mlp_alone
    model = forecastgen.create("patchcast").fit(history)
    np.testing.assert_allclose(ensemble_quantiles(model.members(), [values], [12], 12), expected, rtol=1e-12)
    assert not np.allclose(alone, mlp_alone, rtol=0.01)  # two networks, two forecasts

    def paths(**params):
        fitted = forecastgen.create("patchcast", **params).fit(history)
        return fitted.predict(12, num_samples=50, seed=3).samples["airline"]

    transformer_paths = paths(mlp_share=0)
    np.testing.assert_array_equal(paths(mlp_weights="none"), transformer_paths)
    assert not np.allclose(paths(), transformer_paths)
    mlp_only = forecastgen.create("patchcast", mlp_share=1).fit(history)
    assert mlp_only.correlation() == load_weights(SHIPPED_MLP)[1]["copula_correlation"]
    own_generator = series_generators(3, ["airline"])[0]  # each series draws from its own
    np.testing.assert_array_equal(paths(mlp_share=1), sample_paths(mlp_alone[0], 50, mlp_only.correlation(),
                                                                   own_generator))
    for bad in (-0.1, 1.5, "half", True):
        with pytest.raises(InputError, match="mlp_share must be a number from 0"):
            forecastgen.create("patchcast", mlp_share=bad).fit(history)
    missing = str(SHIPPED.with_name("absent.safetensors"))
    without_transformer = forecastgen.create("patchcast", mlp_share=1, weights=missing).fit(history)
    without_mlp = forecastgen.create("patchcast", mlp_share=0, mlp_weights=missing).fit(history)
    assert list(without_transformer.networks_) == ["mlp"] and list(without_mlp.networks_) == ["transformer"]
    with pytest.raises(InputError, match="contexts must be whole numbers"):
        forecastgen.create("patchcast", mlp_share=1, contexts="64,x").fit(history)


def test_a_checkpoint_of_the_transformer_alone_made_before_the_mlp_still_restores(airline):
    from forecastgen_pretrained.patchcast import load_weights

    arrays, meta = load_weights(SHIPPED)
    old = forecastgen.create("patchcast")
    old.restore_checkpoint({name: torch.from_numpy(array) for name, array in arrays.items()}, {"meta": meta})
    assert list(old.networks_) == ["transformer"] and old.shares_ == {"transformer": 1.0}
    history = airline.drop_last(12)
    alone = forecastgen.create("patchcast", mlp_share=0).fit(history)
    np.testing.assert_array_equal(old.predict(12, num_samples=20, seed=0, data=history).samples["airline"],
                                  alone.predict(12, num_samples=20, seed=0).samples["airline"])
