"""Two processes on the gloo CPU backend train as one (DistributedDataParallel) and stay identical."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from core.common.events import drain
from core.training.trainer import _Run
from tests.helpers.training import tiny_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world_size: int, port: int, tmp: str) -> None:
    # What torchrun sets for each process it starts.
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    try:
        run = _Run(tiny_config(Path(tmp), phase="gan", steps=6, ema=True, checkpoint_every=3), _never())
        drain(run.run(resume=False))
        weights = {"g": run.setup.plain_generator.state_dict(),
                   "d": run.setup.plain_discriminator.state_dict(), "ema": run.setup.ema.state_dict()}
        torch.save(weights, Path(tmp) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def _never():
    from core.common.events import Control
    return Control()


@pytest.mark.slow
def test_two_gloo_processes_keep_identical_weights(tmp_path):
    tiny_config(tmp_path)                                   # make the photo folder once, up front
    # forkserver imports torch once for both children (seconds on a busy 2-core box) from a fresh
    # process: a plain fork of this one fails once an earlier test (torch.export, in the ONNX
    # tests) has started autograd's device threads here. Spawn where there is no forkserver.
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    mp.start_processes(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True, start_method=method)
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    initial = tiny_config(tmp_path)
    for part in ("g", "d", "ema"):
        for key, value in r0[part].items():
            assert torch.equal(value, r1[part][key]), f"{part}.{key} differs between processes"
    # ... and they did train: the generator moved away from its seeded initial weights.
    from core.nets.srresnet import SRResNet
    torch.manual_seed(initial.seed)
    start = SRResNet(initial.generator).state_dict()
    assert not torch.equal(start["head.0.weight"], r0["g"]["head.0.weight"])
    assert (tmp_path / "run" / "last.ckpt").is_file()       # written by rank 0 only
