"""forecastgen's reference forecasters: seasonal naive, exponential smoothing (ETS), Theta."""
