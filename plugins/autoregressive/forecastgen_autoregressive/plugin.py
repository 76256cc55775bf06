"""Registers the autoregressive models. Imports nothing heavy: classes load on first use."""


from forecastgen import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="rnn", factory="forecastgen_autoregressive.rnn:RNNForecaster",
        kind="sequence", family="autoregressive",
        capabilities=frozenset({"forecast", "log_prob", "series"}),
        summary="global LSTM/GRU with a likelihood head (DeepAR), ancestral sampling",
        test_params={"hidden_size": 8, "num_layers": 1, "max_epochs": 2, "batches_per_epoch": 4}))
    register(ModelSpec(
        name="causal-conv", factory="forecastgen_autoregressive.causal_conv:CausalConvForecaster",
        kind="sequence", family="autoregressive",
        capabilities=frozenset({"forecast", "log_prob", "series"}),
        summary="dilated causal convolutions (WaveNet) with a likelihood head, cached sampling",
        test_params={"channels": 8, "num_layers": 3, "max_epochs": 2, "batches_per_epoch": 4}))
