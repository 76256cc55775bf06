"""forecastgen inside a pandas pipeline: frame in, forecast frame out.

    python examples/pipeline.py

Reads the airline passengers series, checks that it is autocorrelated, backtests
two models over the last three years, forecasts the next 18 months with the better
one, joins the forecast to the history in one tidy frame and plots it to
airline_forecast.png in the current folder.
"""

from pathlib import Path

import pandas as pd

import forecastgen

HERE = Path(__file__).parent

# 1. Any frame indexed by time works; read_series reads CSVs and validates them.
history = pd.read_csv(HERE / "data" / "airline.csv", parse_dates=["timestamp"])
series = history.set_index("timestamp")["value"].rename("passengers")

# 2. Does the past tell anything about the future?
report = forecastgen.check(series)[0]
print(report.verdict)

# 3. Pick a model by rolling-origin backtest (lower scaled CRPS is better).
scores = {name: forecastgen.backtest(series, name, windows=3, horizon=12).summary()
          for name in ("ets", "theta")}
best = min(scores, key=lambda name: scores[name].loc["all windows", "crps"])
print("backtest CRPS: " + ", ".join(f"{n} {s.loc['all windows', 'crps']:.3f}" for n, s in scores.items()))

# 4. Forecast and put history and forecast side by side.
forecast = forecastgen.create(best).fit(series).predict(horizon=18, num_samples=500, seed=0)
table = forecast.to_frame(quantiles=[0.05, 0.5, 0.95])
combined = pd.concat([
    series.rename("value").rename_axis("timestamp").reset_index().assign(id=series.name, kind="history"),
    table.rename(columns={"q50": "value"}).assign(kind="forecast"),
], ignore_index=True)
print(combined.tail(20).to_string(index=False))
forecast.plot("airline_forecast.png", history_points=72)
print(f"wrote airline_forecast.png ({best})")
