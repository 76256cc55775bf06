"""Mixed precision: bf16 or fp16 autocast on GPUs, with a grad scaler only for fp16."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from forecastgen.errors import InputError

MODES = ("auto", "fp32", "bf16", "fp16")


@dataclass(frozen=True)
class Precision:
    """How a device computes: ``dtype`` is None for plain fp32."""

    device: torch.device
    dtype: torch.dtype | None

    @classmethod
    def resolve(cls, mode: str, device: torch.device) -> Precision:
        if mode not in MODES:
            raise InputError(f"unknown precision {mode!r}; use one of {', '.join(MODES)}")
        if device.type != "cuda" or mode == "fp32":
            return cls(device, None)
        if mode == "auto":
            return cls(device, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
        return cls(device, torch.bfloat16 if mode == "bf16" else torch.float16)

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def grad_scaler(self) -> torch.amp.GradScaler | None:
        return torch.amp.GradScaler("cuda") if self.dtype == torch.float16 else None

    @property
    def name(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]
