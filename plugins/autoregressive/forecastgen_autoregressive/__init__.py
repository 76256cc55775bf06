"""forecastgen's autoregressive neural models: they learn p(x_t | x_<t) and forecast by
ancestral sampling."""
