"""Per-series work over worker processes: the same numbers whatever the number of jobs."""

import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen.engine.parallel import MIN_SERIES, _pack, _unpack, chunks, resolve_jobs, series_generators
from forecastgen.engine.threads import usable_cores
from forecastgen.errors import NotFittedError
from forecastgen.per_series import FALLBACK, ForecastFailed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "plugin-template"))
from forecastgen_ar.ar import ARForecaster  # noqa: E402


@pytest.fixture(scope="module")
def catalogue():
    """Twelve monthly sales-like series (level, trend, season, noise) and one constant."""
    rng = np.random.default_rng(11)
    index = pd.date_range("2015-01-01", periods=60, freq="MS")
    columns = {}
    for number in range(12):
        season = 1 + 0.2 * np.sin(2 * np.pi * (np.arange(60) + number) / 12)
        level = rng.uniform(50, 500) * (1 + rng.uniform(-0.005, 0.01)) ** np.arange(60)
        columns[f"store_{number}"] = level * season * np.exp(rng.normal(0, 0.05, 60))
    columns["closed"] = np.full(60, 3.0)
    return pd.DataFrame(columns, index=index)


def test_forecasts_are_the_same_with_one_job_or_two(catalogue):
    assert len(catalogue.columns) < MIN_SERIES  # processes because n_jobs asks for them
    alone = forecastgen.create("ets", n_jobs=1).fit(catalogue).predict(6, num_samples=50, seed=3)
    shared = forecastgen.create("ets", n_jobs=2).fit(catalogue).predict(6, num_samples=50, seed=3)
    assert alone.ids == shared.ids == list(catalogue.columns)
    for key in alone.ids:
        np.testing.assert_array_equal(alone.samples[key], shared.samples[key])
    assert alone.notes == shared.notes == ["series 'closed' is constant (3): its forecast is that value, "
                                           "with no uncertainty"]


@pytest.mark.parametrize("model, jobs", [("theta", 1), ("theta", 2), ("ets", 2)])
def test_fit_predict_gives_the_numbers_of_fit_then_predict(catalogue, model, jobs):
    apart = forecastgen.create(model, n_jobs=jobs).fit(catalogue).predict(6, num_samples=40, seed=8)
    fused = forecastgen.create(model, n_jobs=jobs)
    together = fused.fit_predict(catalogue, 6, num_samples=40, seed=8)
    assert together.ids == apart.ids and together.notes == apart.notes
    for key in apart.ids:
        np.testing.assert_array_equal(together.samples[key], apart.samples[key])
        np.testing.assert_array_equal(together.point_mean(key), apart.point_mean(key))
        assert together.index[key].equals(apart.index[key])
    again = fused.predict(6, num_samples=40, seed=8)  # fitted afterwards, as after fit()
    np.testing.assert_array_equal(again.samples["store_3"], apart.samples["store_3"])


class FailsOnBigSeries(ARForecaster):
    """The template's AR model, failing on series above 1,000 as a real fit may."""

    def fit_one(self, y, season):
        if y.mean() > 1000:
            raise ForecastFailed("diverged")
        return super().fit_one(y, season)


@pytest.mark.parametrize("fused", [False, True])
def test_a_series_that_fails_to_fit_falls_back_in_worker_processes(catalogue, fused):
    data = catalogue.assign(store_5=catalogue["store_5"] + 5000)
    model = FailsOnBigSeries(order=2)
    model.n_jobs = 2  # worker processes, for so few series
    forecast = (model.fit_predict(data, 6, num_samples=30, seed=1) if fused
                else model.fit(data).predict(6, num_samples=30, seed=1))
    assert pickle.loads(pickle.dumps(FALLBACK)) is FALLBACK and model.states_["store_5"] is FALLBACK
    assert forecast.notes[0] == ("series 'store_5': ar could not be fitted (diverged); "
                                 "used seasonal naive instead")
    np.testing.assert_array_equal(forecast.point_mean("store_5"), data["store_5"].to_numpy()[-12:][:6])


def test_fit_predict_refuses_a_bad_horizon_before_fitting(catalogue):
    model = forecastgen.create("theta", n_jobs=1)
    with pytest.raises(forecastgen.InputError, match="num_samples must be at least 1"):
        model.fit_predict(catalogue, 6, num_samples=0)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(6)


def test_a_series_forecast_does_not_depend_on_the_others(catalogue):
    together = forecastgen.create("theta", n_jobs=1).fit(catalogue).predict(4, num_samples=30, seed=0)
    first = catalogue[["store_0"]]
    alone = forecastgen.create("theta", n_jobs=1).fit(first).predict(4, num_samples=30, seed=0)
    np.testing.assert_array_equal(together.samples["store_0"], alone.samples["store_0"])


def test_fitted_states_stay_packed_in_this_process_until_asked_for(catalogue):
    model = forecastgen.create("theta", n_jobs=2)
    model.fit_predict(catalogue, 6, num_samples=20, seed=0)
    assert isinstance(model.states_.packed("store_2"), bytes) and not model.states_._unpacked
    assert model.states_["store_2"].model_["decomposition_type"] in ("additive", "multiplicative")
    assert list(model.states_) == list(catalogue.columns) and len(model.states_._unpacked) == 1
    assert pickle.loads(pickle.dumps(model.states_))["closed"].value == 3.0


def test_forecasting_in_workers_leaves_statsforecast_out_of_this_process(tmp_path):
    """This process only passes the workers' packed states on: it imports no statsforecast
    (seconds of a core that the workers need)."""
    rows = [f"s{number},2020-{month:02d}-01,{100 + number + month % 4}" for number in range(4)
            for month in range(1, 13)] + [f"s{number},2021-{month:02d}-01,{110 + number + month % 3}"
                                          for number in range(4) for month in range(1, 13)]
    path = tmp_path / "few.csv"
    path.write_text("id,month,value\n" + "\n".join(rows) + "\n")
    code = ("import sys, forecastgen\n"
            f"forecastgen.create('theta', n_jobs=2).fit_predict(forecastgen.read_series({str(path)!r}), 3)\n"
            "print(sorted(name for name in sys.modules if name.startswith('statsforecast')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_chunks_travel_as_standard_pickles_or_as_they_are():
    chunk = [("a", np.arange(3.0), np.random.default_rng(1))]
    packed = _pack(chunk)
    assert isinstance(packed, bytes)
    name, values, rng = _unpack(packed)[0]
    assert name == "a" and values.tolist() == [0.0, 1.0, 2.0]
    assert rng.random() == np.random.default_rng(1).random()
    unpicklable = [lambda x: x]  # joblib's cloudpickle takes these; the standard pickler does not
    assert _pack(unpicklable) is unpicklable and _unpack(unpicklable) is unpicklable


def test_jobs_and_chunks():
    assert resolve_jobs(None) == resolve_jobs(-1) == usable_cores()
    assert resolve_jobs(3) == 3
    with pytest.raises(forecastgen.InputError, match="n_jobs must be a positive whole number"):
        resolve_jobs(0)
    with pytest.raises(forecastgen.InputError, match="n_jobs must be"):
        forecastgen.create("ets", n_jobs=1.5).fit(np.arange(1.0, 30.0))
    parts = chunks(list(range(100)), 2)
    assert [x for part in parts for x in part] == list(range(100))
    assert [len(part) for part in parts] == [4] * 22 + [3, 3, 2, 1, 1, 1, 1]
    sizes = [len(part) for part in chunks(list(range(3000)), 2)]  # a quarter of what is left,
    assert sizes[:28] == [94] * 28 and sizes[28:] == [92, 69, 52, 39, 29, 24, 24, 24, 15]  # 94 to 24
    assert chunks([1, 2], 4) == [[1], [2]]


def test_each_series_has_its_own_generator_whatever_the_others_and_their_order():
    few = [g.normal() for g in series_generators(5, ["a", "b"])]
    many = [g.normal() for g in series_generators(5, ["c", "b", "x", "a"])]
    assert few == [many[3], many[1]] and few[0] != few[1]
    assert [g.normal() for g in series_generators(6, ["a", "b"])] != few  # the seed still counts


def _process_ids(chunk):
    import os

    return [os.getpid() for _ in chunk]


def test_explicit_jobs_use_worker_processes_and_keep_the_order():
    import os

    from forecastgen.engine.parallel import map_chunks

    results = [pid for chunk in map_chunks(_process_ids, list(range(6)), 2) for pid in chunk]
    assert len(results) == 6 and os.getpid() not in results
    here = [pid for chunk in map_chunks(_process_ids, list(range(6)), None) for pid in chunk]
    assert here == [os.getpid()] * 6  # by default, few series stay in this process
    assert [x for chunk in map_chunks(lambda c: [v * 2 for v in c], list(range(9)), 1) for x in chunk] \
        == [v * 2 for v in range(9)]


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_numbers_of_a_local_run(catalogue, tmp_path):
    distributed = pytest.importorskip("distributed")
    from click.testing import CliRunner

    from forecastgen.cli import cli
    from forecastgen.engine.parallel import on_cluster

    long = catalogue.stack().rename_axis(["month", "store"]).rename("sales").reset_index()
    long.to_csv(tmp_path / "stores.csv", index=False)
    arguments = ["predict", str(tmp_path / "stores.csv"), "-m", "theta", "-q", "-H", "4"]
    here = CliRunner().invoke(cli, [*arguments, "-o", str(tmp_path / "here.csv"), "-j", "1"])
    assert here.exit_code == 0, here.output

    local = forecastgen.create("ets", n_jobs=1).fit(catalogue).predict(6, num_samples=40, seed=8)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with on_cluster(client):
            remote = forecastgen.create("ets").fit(catalogue).predict(6, num_samples=40, seed=8)
        there = CliRunner().invoke(cli, [*arguments, "-o", str(tmp_path / "there.csv"),
                                         "--cluster", cluster.scheduler_address])
        ran_on = client.run(lambda: __import__("sys").modules.get("statsforecast") is not None)
    assert there.exit_code == 0, there.output
    assert (tmp_path / "here.csv").read_text() == (tmp_path / "there.csv").read_text()
    for key in local.ids:
        np.testing.assert_array_equal(local.samples[key], remote.samples[key])
    assert local.notes == remote.notes
    assert all(ran_on.values())  # the fits ran in the cluster's worker processes


@pytest.mark.slow
def test_a_local_ray_cluster_gives_the_numbers_of_a_local_run(catalogue, tmp_path):
    pytest.importorskip("ray")
    from click.testing import CliRunner

    from forecastgen.cli import cli

    long = catalogue.stack().rename_axis(["month", "store"]).rename("sales").reset_index()
    long.to_csv(tmp_path / "stores.csv", index=False)
    arguments = ["predict", str(tmp_path / "stores.csv"), "-m", "theta", "-q", "-H", "4"]
    here = CliRunner().invoke(cli, [*arguments, "-o", str(tmp_path / "here.csv"), "-j", "1"])
    assert here.exit_code == 0, here.output
    there = CliRunner().invoke(cli, [*arguments, "-o", str(tmp_path / "there.csv"), "--cluster", "ray"])
    assert there.exit_code == 0, there.output
    assert (tmp_path / "here.csv").read_text() == (tmp_path / "there.csv").read_text()

    local = forecastgen.create("ets", n_jobs=1).fit(catalogue).predict(6, num_samples=40, seed=8)
    with forecastgen.RayCluster(num_cpus=2) as cluster, forecastgen.on_cluster(cluster):
        import ray

        remote = forecastgen.create("ets").fit(catalogue).predict(6, num_samples=40, seed=8)
        assert cluster.cores() == 2 and ray.is_initialized()
        from forecastgen.engine.parallel import map_chunks

        pids = {pid for chunk in map_chunks(lambda c: [os.getpid()], list(range(8)), None) for pid in chunk}
        assert os.getpid() not in pids  # the chunks ran in Ray's worker processes
    for key in local.ids:
        np.testing.assert_array_equal(local.samples[key], remote.samples[key])
    assert local.notes == remote.notes


@pytest.mark.slow
def test_an_unreachable_cluster_is_one_clear_error(tmp_path):
    pytest.importorskip("distributed")
    from click.testing import CliRunner

    from forecastgen.cli import cli

    airline = Path(__file__).parents[1] / "examples" / "data" / "airline.csv"
    result = CliRunner().invoke(cli, ["predict", str(airline), "-m", "snaive", "--cluster",
                                      "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "--cluster tcp://127.0.0.1:9: cannot reach a Dask scheduler there" in result.output
    if importlib.util.find_spec("ray") is not None:
        ray = CliRunner().invoke(cli, ["predict", str(airline), "-m", "snaive", "--cluster",
                                       "ray://127.0.0.1:9"])
        assert ray.exit_code == 2
        assert "--cluster ray://127.0.0.1:9: cannot reach a Ray cluster there" in ray.output
