"""``damped``: the damped-trend method, one fixed form, no model search.

Gardner & McKenzie (1985), "Forecasting trends in time series", Management Science 31(10):
Holt's linear trend with a damping parameter phi < 1 that flattens the trend as the horizon
grows, so a short history's slope is not extrapolated in full; seasonal data get Holt-Winters'
season, additive by default. It is fitted by maximum likelihood in its state space form,
ETS(A,Ad,A) (ETS(A,Ad,N) without a season; ETS(M,Ad,M) with ``seasonal="mul"``, positive
series only), through statsforecast's ``AutoETS`` with the form fixed, and simulated and
centred as ``ets`` is. As R's ``ets`` does, seasons longer than ``MAX_SEASON`` steps (weekly
data's 52) are not modelled: 52 seasonal states fitted to a few years overfit. A robust
benchmark (Gardner 2006, "Exponential smoothing: the state of the art, part II",
International Journal of Forecasting 22(4)); an independent check found it level with or
ahead of model searches on short trending series (issue 40).
"""

from __future__ import annotations

from forecastgen.errors import InputError
from forecastgen_classical.ets import ETS

SEASONS = ("add", "mul")
MAX_SEASON = 24


class DampedTrend(ETS):
    name = "damped"
    parameter_help = {
        "seasonal": "add (Holt-Winters' additive season) or mul (multiplicative: positive series only)",
    }
    trend = "damped"
    search = "pruned"  # one fixed form: nothing is searched
    center = "mean"

    def __init__(self, seasonal: str = "add", season_length: int | None = None,
                 max_history: int | None = 500, transform: str = "none", n_jobs: int | None = None):
        self.store_params(locals())

    @property
    def error(self) -> str:
        """Additive errors with an additive season, multiplicative ones with a multiplicative."""
        return "mul" if self.seasonal == "mul" else "add"

    def check_params(self) -> None:
        if self.seasonal not in SEASONS:
            raise InputError(f"damped: seasonal must be {' or '.join(SEASONS)}, not {self.seasonal!r}")
        super().check_params()

    def _components(self, y, season: int) -> tuple[str, bool | None]:
        components, damped = super()._components(y, season)
        return (components[:2] + "N" if season > MAX_SEASON else components), damped
