"""Property-based fuzzing of every reader of user files: each file reads, or is refused with an
InputError (exit 2 in the CLI); nothing else escapes, and a refused run writes nothing.

Hypothesis draws the inputs: CSV text (well-formed series, mangled cells, random bytes),
numpy files (any dtype and shape, object arrays, empty files), and checkpoint configs
whose values are replaced by values of the wrong type.
"""

import json
import shutil
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import forecastgen  # noqa: E402
from forecastgen.data.items import read_items  # noqa: E402
from forecastgen.errors import InputError  # noqa: E402

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CELLS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                  st.text(string.printable, max_size=12), st.sampled_from(["", "NA", "1,5", "1e400", "-"]))
DATES = st.one_of(st.dates(min_value=pd.Timestamp("1700-01-01").date()).map(str),
                  st.text(string.printable, max_size=10), st.integers(-5, 10**6).map(str))


def reads_or_refuses(read, *arguments) -> None:
    try:
        read(*arguments)
    except InputError:
        pass


@st.composite
def csv_texts(draw) -> str:
    """A series table with a header, sometimes regular, sometimes mangled cell by cell."""
    rows = draw(st.integers(0, 40))
    start = pd.Timestamp(draw(st.dates(min_value=pd.Timestamp("1900-01-01").date(),
                                       max_value=pd.Timestamp("2100-01-01").date())))
    frequency = draw(st.sampled_from(["D", "MS", "h", "YS", "W"]))
    dates = [str(d.date()) for d in pd.date_range(start, periods=rows, freq=frequency)]
    lines = [draw(st.sampled_from(["date,value", "id,date,value", "value", "a;b", ""]))]
    for date in dates:
        if draw(st.booleans()):
            lines.append(f"{draw(DATES)},{draw(CELLS)}")
        else:
            lines.append(f"{date},{draw(st.floats(-1e6, 1e6, allow_nan=False))}")
    separator = draw(st.sampled_from(["\n", "\r\n", "\n\n"]))
    return separator.join(lines)


@FUZZ
@given(text=csv_texts())
def test_any_csv_text_reads_or_is_refused(tmp_path, text):
    path = tmp_path / "series.csv"
    path.write_text(text)
    reads_or_refuses(forecastgen.read_series, path)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_any_bytes_read_as_csv_or_are_refused(tmp_path, raw):
    path = tmp_path / "bytes.csv"
    path.write_bytes(raw)
    reads_or_refuses(forecastgen.read_series, path)


ARRAYS = st.one_of(
    st.builds(lambda shape, kind: np.zeros(shape, dtype=kind),
              st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple),
              st.sampled_from(["f8", "f4", "i8", "u1", "bool", "U3", "S2", "M8[D]", "c16"])),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40).map(
        lambda values: np.array(values).reshape(len(values), 1)),
    st.just(np.array([{"a": 1}] * 6, dtype=object)),
)


@FUZZ
@given(array=ARRAYS, suffix=st.sampled_from([".npy", ".npz"]),
       key=st.sampled_from(["windows", "images", "x"]), kind=st.sampled_from([None, "images", "windows"]))
def test_any_numpy_file_reads_or_is_refused(tmp_path, array, suffix, key, kind):
    path = tmp_path / f"items{suffix}"
    with open(path, "wb") as handle:
        if suffix == ".npy":
            np.save(handle, array, allow_pickle=True)
        else:
            np.savez(handle, **{key: array})
    reads_or_refuses(read_items, path, kind)


def test_empty_and_truncated_numpy_files_are_refused(tmp_path):
    (tmp_path / "empty.npy").write_bytes(b"")
    np.save(tmp_path / "whole.npy", np.ones((10, 4)))
    (tmp_path / "cut.npy").write_bytes((tmp_path / "whole.npy").read_bytes()[:90])
    for name in ("empty.npy", "cut.npy"):
        with pytest.raises(InputError, match="cannot read it as a numpy array file"):
            read_items(tmp_path / name)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("checkpoint") / "gmm"
    from forecastgen.engine.checkpoint import save_checkpoint

    rng = np.random.default_rng(0)
    model = forecastgen.create("gmm", n_components=2, random_state=0).fit(rng.normal(size=(60, 3)))
    save_checkpoint(model, folder)
    return folder


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                        st.text(max_size=8), st.lists(st.integers(), max_size=3),
                        st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@FUZZ
@given(path=st.sampled_from([("format_version",), ("model",), ("params",), ("state",),
                             ("weights_sha256",), ("params", "n_components"), ("params", "covariance_type"),
                             ("params", "reg_covar"), ("params", "max_iter")]),
       value=JSON_VALUES)
def test_any_mangled_checkpoint_config_loads_or_is_refused(tmp_path, saved_model, path, value):
    from forecastgen.engine.checkpoint import load_checkpoint

    folder = tmp_path / "model"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(saved_model, folder)
    config = json.loads((folder / "config.json").read_text())
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    (folder / "config.json").write_text(json.dumps(config))
    reads_or_refuses(load_checkpoint, folder)


def test_a_config_that_is_a_folder_or_a_fifo_is_refused_without_hanging(tmp_path, saved_model):
    import os

    from forecastgen.engine.checkpoint import load_checkpoint

    for kind in ("folder", "fifo"):
        folder = tmp_path / kind
        shutil.copytree(saved_model, folder)
        (folder / "config.json").unlink()
        if kind == "folder":
            (folder / "config.json").mkdir()
        else:
            os.mkfifo(folder / "config.json")
        with pytest.raises(InputError, match="config.json: not a regular file"):
            load_checkpoint(folder)


def test_nan_weights_are_refused(tmp_path, saved_model):
    from safetensors.torch import load_file, save_file

    from forecastgen.engine.checkpoint import file_sha256, load_checkpoint

    folder = tmp_path / "nan"
    shutil.copytree(saved_model, folder)
    tensors = load_file(folder / "model.safetensors")
    first = next(iter(tensors))
    tensors[first] = tensors[first] * float("nan")
    save_file(tensors, folder / "model.safetensors")
    config = json.loads((folder / "config.json").read_text())
    config["weights_sha256"] = file_sha256(folder / "model.safetensors")
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match="hold NaN or infinite values"):
        load_checkpoint(folder)


@pytest.mark.parametrize("change, message", [
    ({"format_version": "1"}, "'format_version' must be a whole number"),
    ({"params": [1, 2]}, "'params' must be a JSON object"),
])
def test_config_fields_of_the_wrong_type_are_named(tmp_path, saved_model, change, message):
    from forecastgen.engine.checkpoint import load_checkpoint

    folder = tmp_path / "typed"
    shutil.copytree(saved_model, folder)
    config = {**json.loads((folder / "config.json").read_text()), **change}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match=message):
        load_checkpoint(folder)


def test_a_parameter_of_the_wrong_type_is_refused_before_the_model_is_built(tmp_path, saved_model):
    from forecastgen.engine.checkpoint import load_checkpoint

    folder = tmp_path / "param"
    shutil.copytree(saved_model, folder)
    config = json.loads((folder / "config.json").read_text())
    config["params"]["max_iter"] = 1.5
    del config["params_sha256"]  # as a checkpoint written before the checksum: the type check still holds
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match="parameter 'max_iter' is 1.5, but it takes a whole number like 100"):
        load_checkpoint(folder)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200),
                     st.binary(max_size=60).map(lambda tail: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + tail)))
def test_any_bytes_named_png_read_or_are_refused(tmp_path, raw):
    from forecastgen.data.images import read_images

    path = tmp_path / "image.png"
    path.write_bytes(raw)
    reads_or_refuses(read_images, path)


def test_weights_of_another_dtype_are_refused(tmp_path, saved_model):
    from safetensors.torch import load_file, save_file

    from forecastgen.engine.checkpoint import file_sha256, load_checkpoint

    folder = tmp_path / "int64"
    shutil.copytree(saved_model, folder)
    tensors = load_file(folder / "model.safetensors")
    first = sorted(tensors)[0]
    tensors[first] = tensors[first].round().long()
    save_file(tensors, folder / "model.safetensors")
    config = json.loads((folder / "config.json").read_text())
    config["weights_sha256"] = file_sha256(folder / "model.safetensors")
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match=f"tensor '{first}' is \\['int64'"):
        load_checkpoint(folder)


def test_parameters_edited_after_saving_are_refused_before_anything_is_built(tmp_path):
    from click.testing import CliRunner

    from forecastgen.cli import cli
    from forecastgen.engine.checkpoint import load_checkpoint

    airline = Path(__file__).parents[1] / "examples" / "data" / "airline.csv"
    folder = tmp_path / "rnn"
    fitted = CliRunner().invoke(cli, ["fit", str(airline), "-m", "rnn", "--epochs", "1",
                                      "--batches-per-epoch", "1", "-p", "hidden_size=4", "-q",
                                      "-o", str(folder)])
    assert fitted.exit_code == 0, fitted.output
    config = json.loads((folder / "config.json").read_text())
    config["params"]["hidden_size"] = 6000  # 2 GB of LSTM weights if it were built
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match="its parameters were changed after the weights were saved"):
        load_checkpoint(folder)
