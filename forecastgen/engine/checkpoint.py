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
import os
import shutil
import tempfile
from pathlib import Path

from forecastgen.errors import InputError

FORMAT = "forecastgen-checkpoint"
FORMAT_VERSION = 1
WEIGHTS = "model.safetensors"
CONFIG = "config.json"


def save_checkpoint(model, directory: str | Path) -> Path:
    """Write ``model`` to ``directory`` (replaced as a whole, never half-written)."""
    from safetensors.torch import save_file

    check_savable(model)
    model._check_fitted()
    directory = Path(directory)
    parent = directory.parent if str(directory.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{directory}: the folder {parent} does not exist; create it first")
    tensors, state = model.checkpoint_state()
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=parent))
    try:
        staging.chmod(0o777 & ~_umask())
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, staging / WEIGHTS)
        config = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "model": model.name,
            "params": model.get_params(), "state": state, "versions": _versions(),
            "weights_sha256": file_sha256(staging / WEIGHTS),
        }
        (staging / CONFIG).write_text(json.dumps(config, indent=2, default=_json_default))
        for written in (staging / WEIGHTS, staging / CONFIG):
            written.chmod(0o666 & ~_umask())
        if directory.exists():
            _check_replaceable(directory)
            shutil.rmtree(directory)
        os.replace(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


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
    model = registry.create(config["model"], **{**config["params"], **overrides})
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
    try:
        model.restore_checkpoint(tensors, config["state"])
    except (KeyError, RuntimeError, ValueError) as exc:
        raise InputError(f"{directory}: the checkpoint does not fit model "
                         f"'{config['model']}' ({str(exc).splitlines()[0]}); it was written by "
                         f"another version: save it again") from None
    return model


def read_config(directory: Path) -> dict:
    if not directory.is_dir():
        raise InputError(f"{directory}: no such model folder; write one with "
                         "`forecastgen fit DATA --model NAME -o FOLDER`")
    path = directory / CONFIG
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{directory}: not a forecastgen model folder ({CONFIG} is missing)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); the checkpoint is damaged") from None
    missing = [k for k in ("format", "format_version", "model", "params", "state", "weights_sha256")
               if k not in config]
    if missing or config.get("format") != FORMAT:
        raise InputError(f"{path}: not a forecastgen checkpoint config"
                         + (f" (missing {', '.join(missing)})" if missing else ""))
    if config["format_version"] > FORMAT_VERSION:
        raise InputError(f"{path}: written by a newer forecastgen (format "
                         f"{config['format_version']}, this one reads {FORMAT_VERSION}); upgrade")
    return config


def _check_replaceable(directory: Path) -> None:
    if not directory.is_dir() or not (directory / CONFIG).exists():
        raise InputError(f"{directory} exists and is not a forecastgen model folder; "
                         "choose another output folder")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
