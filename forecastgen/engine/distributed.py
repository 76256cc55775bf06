"""Distributed data parallel, switched on by the environment ``torchrun`` sets.

With RANK and WORLD_SIZE set (WORLD_SIZE > 1), the process group starts with nccl on
GPUs and gloo on the CPU; the model is wrapped in DistributedDataParallel and each
rank reads its share of the data through a DistributedSampler. Only rank 0 writes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def wrap(self, module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        if not self.enabled:
            return module
        from torch.nn.parallel import DistributedDataParallel

        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)

    def sampler(self, dataset, *, shuffle: bool, seed: int):
        from torch.utils.data import DistributedSampler

        return DistributedSampler(dataset, num_replicas=self.world_size, rank=self.rank,
                                  shuffle=shuffle, seed=seed, drop_last=False)

    def mean(self, value: float) -> float:
        """The mean of ``value`` over all ranks (the value itself without DDP)."""
        if not self.enabled:
            return value
        tensor = torch.tensor([value], dtype=torch.float64,
                              device="cuda" if dist.get_backend() == "nccl" else "cpu")
        dist.all_reduce(tensor)
        return float(tensor.item()) / self.world_size


def from_environment(device: torch.device) -> Distributed:
    """Join the process group that torchrun describes, or run alone."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1 or "RANK" not in os.environ:
        return Distributed()
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Distributed(rank=dist.get_rank(), world_size=dist.get_world_size(),
                       local_rank=int(os.environ.get("LOCAL_RANK", "0")))
