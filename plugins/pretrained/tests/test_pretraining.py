import json

import numpy as np
import pytest
import torch
from forecastgen_pretrained.corpus import Corpus
from forecastgen_pretrained.mlp_network import ContextMLP
from forecastgen_pretrained.network import QUANTILES, PatchTransformer, pinball_loss
from forecastgen_pretrained.patchcast import export_weights, load_network
from forecastgen_pretrained.pretraining import PrefetchedBatches, WindowSampler, pretrain
from forecastgen_pretrained.scaling import encode_batch, left_padded, standardize, unstandardize
from safetensors.torch import load_file

from forecastgen.engine.resumable import StepConfig
from forecastgen.errors import InputError

TINY = {"patch_length": 4, "max_context": 32, "horizon": 8, "d_model": 16, "heads": 2, "layers": 1,
        "feedforward": 16}
TINY_MLP = {"max_context": 32, "horizon": 8, "width": 16, "blocks": 1}
TINY_NETWORKS = {"transformer": lambda: PatchTransformer(**TINY), "mlp": lambda: ContextMLP(**TINY_MLP)}


def tiny_corpus():
    rng = np.random.default_rng(0)
    corpus = Corpus()
    t = np.arange(80)
    corpus.add([50 + 5 * np.sin(2 * np.pi * t / 12 + p) + rng.normal(0, 0.3, 80) for p in range(6)],
               [12] * 6, "real")
    corpus.add([np.cumsum(rng.normal(size=40)) for _ in range(4)], [1] * 4, "structural")
    return corpus


def test_standardize_round_trips_and_ignores_padding():
    contexts = [np.array([1.0, 2.0, 3.0]), np.array([10.0, 10.0, 10.0, 10.0, 10.0, 12.0])]
    padded = left_padded(contexts, patch_length=4, max_context=32)
    assert padded.shape == (2, 8) and np.isnan(padded[0, :5]).all()
    scaled, observed, loc, scale = standardize(padded)
    assert observed.sum() == 9 and (scaled[observed == 0] == 0).all()
    np.testing.assert_allclose(loc, [2.0, 62 / 6])
    np.testing.assert_allclose(unstandardize(scaled, loc, scale)[0, 5:], [1, 2, 3])
    # a constant context stays finite
    assert np.isfinite(standardize(np.full((1, 4), 7.0))[0]).all()


def test_pinball_loss_is_the_mean_quantile_loss_over_observed_steps():
    predicted = torch.zeros(1, 2, len(QUANTILES))
    target = torch.tensor([[1.0, 5.0]])
    mask = torch.tensor([[1.0, 0.0]])
    expected = np.mean(QUANTILES)  # each level q loses q * 1 when the target is 1 above
    assert abs(float(pinball_loss(predicted, target, mask)) - expected) < 1e-6


def test_sampler_batches_depend_only_on_seed_and_step():
    corpus = tiny_corpus()
    sampler = WindowSampler(corpus, {"real": 0.5, "structural": 0.5}, 4, 32, 8, batch_size=16, seed=1)
    first, again = sampler.batch(3), sampler.batch(3)
    assert all(torch.equal(a, b) for a, b in zip(first[:5], again[:5]))
    scaled, observed, season, target, mask = first[:5]
    assert scaled.shape[1] % 4 == 0 and scaled.shape[1] <= 32 and target.shape == (16, 8)
    assert set(season.tolist()) <= {0, 4}  # classes of periods 1 and 12
    assert mask.sum() > 0


def test_flipped_items_are_the_same_windows_negated():
    corpus = tiny_corpus()
    plain, flipped, half = (WindowSampler(corpus, {"real": 0.5, "structural": 0.5}, 4, 32, 8, batch_size=16,
                                          seed=1, flip_share=share) for share in (0.0, 1.0, 0.5))
    scaled, observed, season, target, mask = plain.batch(3)[:5]
    negated = flipped.batch(3)[:5]
    torch.testing.assert_close(negated[0], -scaled)
    torch.testing.assert_close(negated[3], -target)
    assert torch.equal(negated[1], observed) and torch.equal(negated[2], season)
    assert torch.equal(negated[4], mask)
    mixed = half.batch(3)[0]
    same = [torch.equal(mixed[i], scaled[i]) for i in range(16)]
    assert 0 < sum(same) < 16
    for i in range(16):
        assert same[i] or torch.allclose(mixed[i], -scaled[i])


def test_context_limits_bound_each_batch():
    sampler = WindowSampler(tiny_corpus(), {"real": 1.0}, 4, 32, 8, batch_size=8, seed=0, context_limits=(8,))
    for step in range(5):
        assert sampler.batch(step)[0].shape[1] == 8


def test_prefetching_workers_make_the_samplers_batches_in_step_order():
    sampler = WindowSampler(tiny_corpus(), {"real": 0.5, "structural": 0.5}, 4, 32, 8, batch_size=8, seed=2)
    prefetched = PrefetchedBatches(sampler, workers=2, ahead=2)
    try:
        for step in [5, 6, 7, 8, 3, 4]:  # a jump back (a resumed run) starts over from that step
            expected = sampler.batch(step)[:5]
            assert all(torch.equal(a, b) for a, b in zip(prefetched(step), expected)), step
    finally:
        prefetched.close()


@pytest.mark.parametrize("architecture", sorted(TINY_NETWORKS))
def test_pretraining_resumes_to_the_same_weights(tmp_path, architecture):
    corpus = tiny_corpus()
    config = StepConfig(steps=12, warmup_steps=3, checkpoint_every=4, report_every=4, seed=0)
    shares = {"real": 0.7, "structural": 0.3}

    def run(folder, stop_at=None, workers=0):
        torch.manual_seed(0)
        network = TINY_NETWORKS[architecture]()
        history = pretrain(corpus, folder, network, config, shares, batch_size=8, stop_at=stop_at,
                           workers=workers)
        return network, history

    straight, history = run(tmp_path / "straight")
    assert history.step == 12 and len(history.losses) == 3
    paused, paused_history = run(tmp_path / "paused", stop_at=8, workers=2)
    assert paused_history.step == 8
    resumed, _ = run(tmp_path / "paused", workers=2)
    for key, value in straight.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    saved = load_file(str(tmp_path / "straight" / "training.safetensors"))
    assert any(k.startswith("optimizer.") for k in saved)


def test_a_folder_holding_a_run_with_other_batches_or_start_is_refused(tmp_path):
    corpus = tiny_corpus()
    config = StepConfig(steps=8, warmup_steps=2, checkpoint_every=4, report_every=4, seed=0)
    shares = {"real": 0.7, "structural": 0.3}

    def run(**options):
        torch.manual_seed(0)
        return pretrain(corpus, tmp_path, PatchTransformer(**TINY), config, shares, batch_size=8, stop_at=4,
                        **options)

    assert run(flip_share=0.5).step == 4
    with pytest.raises(InputError, match="flip_share"):
        run()
    with pytest.raises(InputError, match="context_limits"):
        run(flip_share=0.5, context_limits=(16, 32))
    with pytest.raises(InputError, match="initial_weights"):
        run(flip_share=0.5, initial_weights="e857")
    assert run(flip_share=0.5).step == 4  # the same run: resumed (nothing left before step 4)


def test_training_goes_on_from_exported_weights(tmp_path):
    corpus = tiny_corpus()
    shares = {"real": 0.7, "structural": 0.3}
    torch.manual_seed(0)
    first = PatchTransformer(**TINY)
    pretrain(corpus, tmp_path / "first", first, StepConfig(steps=6, warmup_steps=2, checkpoint_every=6,
                                                           report_every=6), shares, batch_size=8)
    path = export_weights(first, tmp_path / "first.safetensors", 0.5, {"steps": 6})
    second, meta = load_network(path)
    assert all(torch.equal(v, second.state_dict()[k]) for k, v in first.state_dict().items())
    config = StepConfig(steps=4, warmup_steps=1, checkpoint_every=4, report_every=4, learning_rate=1e-4)
    history = pretrain(corpus, tmp_path / "second", second, config, shares, batch_size=8,
                       context_limits=(8, 16, 32), initial_weights=meta["weights_sha256"])
    assert history.step == 4
    moved = [not torch.equal(v, second.state_dict()[k]) for k, v in first.state_dict().items()]
    assert any(moved)
    saved = json.loads((tmp_path / "second" / "training.json").read_text())["settings"]
    assert saved["initial_weights"] == meta["weights_sha256"] and saved["context_limits"] == [8, 16, 32]


@pytest.mark.parametrize("architecture", sorted(TINY_NETWORKS))
def test_pretraining_learns_a_seasonal_pattern(tmp_path, architecture):
    corpus = tiny_corpus()
    torch.manual_seed(0)
    network = TINY_NETWORKS[architecture]()
    contexts = [s[:64] for s in corpus.series[:6]]
    targets = [s[64:72] for s in corpus.series[:6]]

    def held_out_loss():
        batch = encode_batch(contexts, [4] * 6, 4, 32, targets, 8)
        with torch.no_grad():
            return float(pinball_loss(network(*batch[:3]), batch[3], batch[4]))

    before = held_out_loss()
    config = StepConfig(steps=150, warmup_steps=10, learning_rate=3e-3, checkpoint_every=150,
                        report_every=150, seed=0)
    pretrain(corpus, tmp_path, network, config, {"real": 1.0}, batch_size=16)
    assert held_out_loss() < 0.6 * before


def test_weights_exported_in_half_precision_load_as_the_rounded_float32_weights(tmp_path):
    torch.manual_seed(0)
    network = ContextMLP(**TINY_MLP)
    full = export_weights(network, tmp_path / "full.safetensors", 0.5, {"steps": 0})
    half = export_weights(network, tmp_path / "half.safetensors", 0.5, {"steps": 0}, half=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    loaded, meta = load_network(half)
    assert meta["network"]["architecture"] == "mlp" and isinstance(loaded, ContextMLP)
    for key, value in network.state_dict().items():
        assert loaded.state_dict()[key].dtype == torch.float32
        assert torch.equal(loaded.state_dict()[key], value.half().float()), key
