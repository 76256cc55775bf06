"""Registers the autoregressive models. Imports nothing heavy: classes load on first use."""

from forecastgen import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="rnn", factory="forecastgen_autoregressive.rnn:RNNForecaster",
        kind="sequence", family="autoregressive",
        capabilities=frozenset({"forecast", "log_prob", "series"}),
        summary="global LSTM/GRU with a likelihood head (DeepAR), ancestral sampling"))
