"""The training engine shared by every neural model: devices, seeding, precision,
the trainer, checkpoints and distributed data parallel. Models never pick devices."""

import os


def is_main_process() -> bool:
    """True when running alone, or on rank 0 under torchrun: the process that writes and talks."""
    return int(os.environ.get("RANK", "0")) == 0
