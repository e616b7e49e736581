"""Multi-GPU / multi-node training through `torchrun` and PyTorch's DistributedDataParallel.

`torchrun --nproc-per-node N -m core.cli.main train ...` sets RANK, WORLD_SIZE, LOCAL_RANK and
MASTER_ADDR/PORT; `from_environment()` joins that process group (NCCL on CUDA, gloo on the
CPU) and `wrap()` hands the model to DDP, which all-reduces gradients and broadcasts BN
buffers so every process keeps identical weights. Without those variables it is one process.
Only rank 0 writes checkpoints, runs validation and reports progress; checkpoints must be on
a filesystem every process can read (for rollback and resume).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


SINGLE_PROCESS = DistContext()


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def from_environment(device: torch.device) -> DistContext:
    """Join the torchrun process group if there is one (idempotent)."""
    if not launched_by_torchrun():
        return SINGLE_PROCESS
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    return DistContext(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def local_device(requested: torch.device, ctx: DistContext) -> torch.device:
    """Under torchrun each process drives the GPU named by its LOCAL_RANK."""
    if ctx.enabled and requested.type == "cuda":
        torch.cuda.set_device(ctx.local_rank)
        return torch.device("cuda", ctx.local_rank)
    return requested


def wrap(model: nn.Module, ctx: DistContext) -> nn.Module:
    """DDP around `model` when distributed; the model itself otherwise."""
    if not ctx.enabled:
        return model
    device_ids = [model_device(model).index] if model_device(model).type == "cuda" else None
    return DistributedDataParallel(model, device_ids=device_ids)


def unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, DistributedDataParallel) else model


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def all_mean(values: torch.Tensor, ctx: DistContext) -> torch.Tensor:
    """The mean over processes of a small 1-D tensor (a no-op for one process)."""
    if not ctx.enabled:
        return values
    values = values.clone()
    dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values / ctx.world_size


def barrier(ctx: DistContext) -> None:
    if ctx.enabled:
        dist.barrier()


def broadcast_buffers(modules: list[nn.Module], ctx: DistContext) -> None:
    """Copy rank 0's buffers (BN running statistics) to every process.

    DDP broadcasts buffers at the start of each forward, so after the last step each process
    still holds the statistics of its own last batch; rank 0's are the ones checkpoints keep.
    """
    if not ctx.enabled:
        return
    for module in modules:
        for buffer in module.buffers():
            dist.broadcast(buffer, src=0)
