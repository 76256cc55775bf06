"""Checkpoints: weights in safetensors plus a JSON config; nothing is ever unpickled.

A model folder holds ``model.safetensors`` and ``config.json``: the model name, its
parameters, the JSON state it needs besides tensors (scaling, frequency...), the
versions that wrote it and the SHA-256 of the weights file, so a tampered, truncated
or incompatible checkpoint gives a clear error instead of garbage. A model takes
part by implementing ``checkpoint_state() -> (tensors, state)`` and
``restore_checkpoint(tensors, state)``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import stat
import tempfile
from pathlib import Path

from forecastgen.atomic import atomic_path, umask
from forecastgen.errors import InputError

FORMAT = "forecastgen-checkpoint"
FORMAT_VERSION = 1
WEIGHTS = "model.safetensors"
CONFIG = "config.json"


def save_checkpoint(model, directory: str | Path) -> Path:
    """Write ``model`` to ``directory``: a new folder appears whole (written aside, then renamed);
    in an existing model folder only its two files are replaced, each atomically, and any
    other file there is left alone. Nothing that forecastgen did not write is ever deleted."""
    check_savable(model)
    model.check_is_fitted()
    directory = Path(directory)
    check_destination(directory)
    tensors, state = model.checkpoint_state()
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": model.name,
              "params": model.get_params(), "state": state, "versions": _versions()}
    weights = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    config["tensors"] = tensor_record(weights)
    config["params_sha256"] = params_sha256(config["params"])
    if directory.is_dir():
        _replace_files(directory, weights, config)
        return directory
    parent = directory.parent if str(directory.parent) else Path(".")
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=parent))
    try:
        staging.chmod(0o777 & ~umask())
        _replace_files(staging, weights, config)
        os.replace(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def check_destination(directory: str | Path) -> None:
    """Refuse, before any training, a folder a model cannot be saved to: a file, a folder holding
    other things than a forecastgen model, an unwritable place, a missing parent folder."""
    directory = Path(directory)
    if directory.exists():
        if not directory.is_dir():
            raise InputError(f"{directory} is a file, not a folder; choose a new or empty folder for "
                             "the model")
        if (directory / CONFIG).is_dir() or (directory / WEIGHTS).is_dir():
            raise InputError(f"{directory} holds folders named {CONFIG} or {WEIGHTS}; choose another folder")
        if not (directory / CONFIG).is_file() and any(directory.iterdir()):
            raise InputError(f"{directory} holds other files and no forecastgen model; choose a new or "
                             "empty folder (nothing in it was changed)")
        writable = directory
    else:
        writable = directory.parent if str(directory.parent) else Path(".")
        if not writable.is_dir():
            raise InputError(f"{directory}: the folder {writable} does not exist; create it first")
    if not os.access(writable, os.W_OK | os.X_OK):
        raise InputError(f"{directory}: no permission to write in {writable}; choose another folder")


def _replace_files(folder: Path, weights: dict, config: dict) -> None:
    """Write the weights, then the config with their SHA-256, each through ``atomic_path`` (a
    temporary file in ``folder`` renamed over the old one); a reader in between sees a checksum
    mismatch, never weights that silently belong to another config."""
    from safetensors.torch import save_file

    with atomic_path(folder / WEIGHTS) as temporary:
        save_file(weights, str(temporary))
        config["weights_sha256"] = file_sha256(temporary)
    with atomic_path(folder / CONFIG) as temporary:
        temporary.write_text(json.dumps(config, indent=2, default=_json_default))


def check_finite(tensors: dict, path: Path) -> None:
    """Refuse weights holding NaN or infinity: they would forecast NaN."""
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(tensor.isfinite().all()):
            raise InputError(f"{path}: the weights '{name}' hold NaN or infinite values; save the "
                             "model again")


def params_sha256(params: dict) -> str:
    """A checksum of saved parameters: an edited hidden_size would build a network (gigabytes for a
    large value) that the weights cannot fill; the edit is refused before anything is built."""
    text = json.dumps(params, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()


def tensor_record(tensors: dict) -> dict:
    """Each tensor's dtype and shape, as a config records them at save and checks them at load."""
    return {k: [str(v.dtype).removeprefix("torch."), list(v.shape)] for k, v in tensors.items()}


def check_as_recorded(tensors: dict, config: dict, path: Path) -> None:
    """Refuse weights whose names, dtypes or shapes differ from those the config recorded at save
    (int64 weights loaded into a float network would silently change the forecast)."""
    recorded = config.get("tensors")
    if recorded is None:  # written before the record existed
        return
    found = tensor_record(tensors)
    for name in sorted(set(recorded) | set(found)):
        if recorded.get(name) != found.get(name):
            raise InputError(f"{path}: tensor '{name}' is {found.get(name) or 'missing'} but was saved as "
                             f"{recorded.get(name) or 'absent'} (dtype, shape); save the model again")


def check_savable(model) -> None:
    """Refuse, before any fitting, a model that cannot be written to a checkpoint."""
    if not hasattr(model, "checkpoint_state"):
        raise InputError(f"model '{model.name}' cannot be saved (only models with trained weights "
                         "can); it refits in seconds, so forecast with `forecastgen predict`")


def load_checkpoint(directory: str | Path, registry=None, **overrides):
    """The fitted model saved in ``directory``; ``overrides`` replace saved parameters
    that do not change the weights (``device="cpu"``)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    directory = Path(directory)
    config = read_config(directory)
    if registry is None:
        from forecastgen.registry import default_registry

        registry = default_registry()
    saved_checksum = config.get("params_sha256")  # absent in checkpoints written before it
    if saved_checksum is not None and saved_checksum != params_sha256(config["params"]):
        raise InputError(f"{directory / CONFIG}: its parameters were changed after the weights were saved "
                         "(a network built from them would not fit the weights); fit the model again, or "
                         "pass settings that do not change the weights as overrides (--device)")
    model = registry.create(config["model"], **{**config["params"], **overrides})  # stores, builds nothing
    check_param_types(type(model), config["params"], directory / CONFIG)
    weights = directory / WEIGHTS
    if not weights.is_file():
        raise InputError(f"{directory}: {WEIGHTS} is missing; save the model again")
    if file_sha256(weights) != config["weights_sha256"]:
        raise InputError(f"{weights}: the weights do not match their config (SHA-256 differs): "
                         "the file was changed or truncated; save the model again")
    try:
        tensors = load_file(weights)
    except (SafetensorError, OSError, ValueError) as exc:
        raise InputError(f"{weights}: cannot read the weights ({exc})") from None
    check_finite(tensors, weights)
    check_as_recorded(tensors, config, weights)
    try:
        model.restore_checkpoint(tensors, config["state"])
    except (KeyError, RuntimeError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise InputError(f"{directory}: the checkpoint does not fit model "
                         f"'{config['model']}' ({str(exc).splitlines()[0]}); it was written by "
                         f"another version: save it again") from None
    return model


CONFIG_TYPES = {"format": str, "format_version": int, "model": str, "params": dict, "state": dict,
                "weights_sha256": str}
TYPE_WORDS = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
              dict: "a JSON object"}


def read_config(directory: Path) -> dict:
    """The config of the model folder ``directory``, its fields checked for type before use."""
    if not directory.is_dir():
        raise InputError(f"{directory}: no such model folder; write one with "
                         "`forecastgen fit DATA --model NAME -o FOLDER`")
    path = directory / CONFIG
    if not path.exists():
        raise InputError(f"{directory}: not a forecastgen model folder ({CONFIG} is missing)")
    if not stat.S_ISREG(path.stat().st_mode):
        raise InputError(f"{path}: not a regular file; the checkpoint is damaged")
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); the checkpoint is damaged") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise InputError(f"{path}: not a forecastgen checkpoint config")
    for key, kind in CONFIG_TYPES.items():
        value = config.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InputError(f"{path}: '{key}' must be {TYPE_WORDS[kind]}, not {value!r}; the "
                             "checkpoint is damaged: save the model again")
    if config["format_version"] > FORMAT_VERSION:
        raise InputError(f"{path}: written by a newer forecastgen (format "
                         f"{config['format_version']}, this one reads {FORMAT_VERSION}); upgrade")
    return config


def check_param_types(cls, params: dict, path: Path) -> None:
    """Refuse saved parameters whose type differs from their default's (an int where the default is
    an int, a number for a float, text for text, true/false for a flag), before anything is built."""
    defaults = cls.param_defaults()
    for name, value in params.items():
        default = defaults.get(name)
        if default is None:  # no default, or a default of None: any type may be meant
            continue
        if isinstance(default, bool):
            fits = isinstance(value, bool)
        elif isinstance(default, int):
            fits = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            fits = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        elif isinstance(default, str):
            fits = isinstance(value, (str, int, float)) and not isinstance(value, bool)  # "auto" or 3
        else:
            fits = True
        if not fits:
            raise InputError(f"{path}: parameter '{name}' is {value!r}, but it takes "
                             f"{TYPE_WORDS.get(type(default), 'a value')} like {default!r}; save the "
                             "model again")


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (read in blocks), as hex: how weights are checked at load."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict:
    from importlib.metadata import version

    import torch

    return {"forecastgen": version("forecastgen"), "torch": torch.__version__}


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to a checkpoint config")
