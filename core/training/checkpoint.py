"""Training checkpoints: self-describing, written atomically, loaded without executing code.

A checkpoint is a `torch.save`d dict of tensors and plain Python values only, so
`torch.load(weights_only=True)` reads it (arbitrary pickles are refused). Layout (version 1):

    format "srgan-desktop-checkpoint", format_version 1, kind "last" | "best"
    step, config (TrainConfig.to_dict()), metrics {"psnr", "ssim", ...}, best_psnr, seconds
    generator, ema (or None), discriminator (or None)         state_dicts
    g_optimizer, d_optimizer, g_scheduler, d_scheduler        state_dicts ("last" only)
    rng {"torch", "cuda", "numpy", "python"}, lr_scale, rollbacks   ("last" only)
    validations [{"step", "psnr", "ssim", "niqe"}, ...]       every check so far
    compact True                                              (`compact_checkpoint` copies only)
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.common.atomic import write_bytes_atomically
from core.common.errors import first_line

FORMAT_NAME = "srgan-desktop-checkpoint"
FORMAT_VERSION = 1
CHECKPOINT_SUFFIX = ".ckpt"
LAST_NAME = "last.ckpt"
BEST_NAME = "best.ckpt"


class CheckpointError(Exception):
    """A checkpoint that cannot be used; the message is one line meant for the user."""


def save_checkpoint(state: dict[str, Any], path: Path) -> Path:
    """Serialise in memory, then write with temp file + fsync + rename: never half a file."""
    path = Path(path)
    payload = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **state}
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes_atomically(path, buffer.getvalue())
    return path


# Resume state that may travel in bfloat16: D's weights and the optimisers' moment estimates. In a
# GAN run they are ~95% of last.ckpt (the paper's D has ~19M parameters, Adam keeps two moments each).
_COMPACTABLE = ("discriminator", "d_optimizer", "g_optimizer")


def compact_checkpoint(source: Path, destination: Path) -> Path:
    """Copy a 'last' checkpoint with D and the optimiser moments in bfloat16: the one to commit.

    The generator, its EMA, the step counters and the RNG states stay exact. Loading casts the
    rest back (Module and Optimizer `load_state_dict` convert to the parameters' dtype), so a run
    resumes from the copy close to, not bit-for-bit at, where the full checkpoint would.
    """
    state = load_checkpoint(source)
    if "rng" not in state:
        raise CheckpointError(f"{Path(source).name}: only a resume checkpoint (last.ckpt) can be compacted")
    for key in _COMPACTABLE:
        if state.get(key) is not None:
            state[key] = _in_bfloat16(state[key])
    return save_checkpoint({**state, "compact": True}, destination)


def _in_bfloat16(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _in_bfloat16(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_in_bfloat16(v) for v in value]
    # Adam's step count is a float tensor: in bfloat16 step 12345 would read back as 12288.
    if isinstance(value, torch.Tensor) and value.dtype == torch.float32 and key != "step":
        return value.to(torch.bfloat16)
    return value


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load and check a checkpoint; any damage becomes a one-line `CheckpointError`."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - see below
        # torch's weights-only unpickler is Python code walking untrusted bytes: a damaged file can
        # make it raise any built-in exception (IndexError, struct.error, OverflowError...), and
        # every one of them means the same thing here.
        raise CheckpointError(f"{path.name}: the checkpoint is corrupted or truncated "
                              f"({first_line(exc)})") from None
    if not isinstance(state, dict) or not _is(state.get("format"), str) or state["format"] != FORMAT_NAME:
        raise CheckpointError(f"{path.name}: not an SRGAN Desktop training checkpoint")
    version = state.get("format_version", 0)
    if not _is(version, int):
        raise CheckpointError(f"{path.name}: the checkpoint is damaged (its format version is not a number)")
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{path.name}: made by a newer SRGAN Desktop; please update the app")
    for key, kind in (("step", int), ("config", dict), ("generator", dict)):
        if key not in state:
            raise CheckpointError(f"{path.name}: the checkpoint is incomplete (no {key!r})")
        if not _is(state[key], kind) or (kind is int and state[key] < 0):
            what = "a step number" if kind is int else "a table"
            raise CheckpointError(f"{path.name}: the checkpoint is damaged (its {key!r} is not {what})")
    return state


def _is(value: Any, kind: type) -> bool:
    """isinstance, except that a bool is no number here (Python counts True as 1)."""
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def is_checkpoint_file(path: Path) -> bool:
    return Path(path).suffix == CHECKPOINT_SUFFIX


def capture_rng() -> dict[str, Any]:
    """Every random state the run draws from, as tensors and plain values."""
    numpy_state = np.random.get_state(legacy=True)
    if not isinstance(numpy_state, tuple):           # only a non-MT19937 global generator gives a dict
        raise TypeError("numpy's global random state is not the legacy MT19937 tuple")
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": [numpy_state[0], torch.from_numpy(numpy_state[1].astype(np.int64)),
                  int(numpy_state[2]), int(numpy_state[3]), float(numpy_state[4])],
        "python": _python_rng_to_plain(random.getstate()),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    name, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    random.setstate(_python_rng_from_plain(state["python"]))
    if state.get("cuda") and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _python_rng_to_plain(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _python_rng_from_plain(state: list) -> tuple:
    version, internal, gauss = state
    return (version, tuple(internal), gauss)

