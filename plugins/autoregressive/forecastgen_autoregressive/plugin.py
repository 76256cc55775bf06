"""Registers the autoregressive models. Imports nothing heavy: classes load on first use."""


from forecastgen import MinimumHistory, ModelSpec, hookimpl

# what auto checks before backtesting them: autocorrelation, and room for their training windows
WINDOWED = dict(needs_autocorrelation=True, min_history=MinimumHistory(horizons=4, seasons=2))


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="rnn", factory="forecastgen_autoregressive.rnn:RNNForecaster",
        interface="sequence", family="autoregressive",
        capabilities=frozenset({"forecast", "log_prob", "series", "new_series", "covariates"}),
        summary="global LSTM/GRU with a likelihood head (DeepAR), ancestral sampling",
        trains=True, **WINDOWED,
        test_params={"hidden_size": 8, "num_layers": 1, "max_epochs": 2, "batches_per_epoch": 4}))
    register(ModelSpec(
        name="causal-conv", factory="forecastgen_autoregressive.causal_conv:CausalConvForecaster",
        interface="sequence", family="autoregressive",
        capabilities=frozenset({"forecast", "log_prob", "series", "new_series", "covariates"}),
        summary="dilated causal convolutions (WaveNet) with a likelihood head, cached sampling",
        trains=True, **WINDOWED,
        test_params={"channels": 8, "num_layers": 3, "max_epochs": 2, "batches_per_epoch": 4}))
    register(ModelSpec(
        name="pixelcnn", factory="forecastgen_autoregressive.pixelcnn:PixelCNN",
        interface="density", family="autoregressive",
        capabilities=frozenset({"sample", "log_prob", "images", "labels"}),
        summary="gated PixelCNN over pixel levels: exact log-likelihood, cached sampling, completion",
        test_params={"hidden_channels": 8, "layers": 2, "kernel_size": 3, "max_epochs": 2,
                     "batches_per_epoch": 3, "force": True}))
    register(ModelSpec(
        name="pixelrnn", factory="forecastgen_autoregressive.pixelrnn:PixelRNN",
        interface="density", family="autoregressive",
        capabilities=frozenset({"sample", "log_prob", "images", "labels"}),
        summary="PixelRNN with Row LSTM layers over pixel levels: exact log-likelihood, completion",
        test_params={"hidden_channels": 8, "layers": 1, "max_epochs": 2, "batches_per_epoch": 3,
                     "force": True}))
    register(ModelSpec(
        name="pixelcnn-sr", factory="forecastgen_autoregressive.superres:SuperResolutionPixelCNN",
        interface="density", family="autoregressive", capabilities=frozenset({"images", "upscale"}),
        summary="super-resolution: a gated PixelCNN conditioned on the 2x smaller image (upscale)",
        test_params={"hidden_channels": 8, "layers": 2, "kernel_size": 3, "condition_channels": 4,
                     "max_epochs": 2, "batches_per_epoch": 3, "force": True}))
