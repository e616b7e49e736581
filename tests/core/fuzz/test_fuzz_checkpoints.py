"""Fuzzing training checkpoints: mutated zip bytes, mutated pickles, and well-formed files with wrong values.

Each case goes through `load_checkpoint` and, when that accepts it, `export_model` (what the
fine-tune wizard does with a run's checkpoint). Each must end in a `CheckpointError` with a
one-line message or a model file that loads, written only into the output folder; never
another exception, a hang, or code run from the pickle.
"""

from __future__ import annotations

import copy
import io
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from core.models.model_file import load_model
from core.training.checkpoint import CheckpointError
from core.training.trainer import export_model
from tests.helpers.fuzz import (
    EDGE_INTEGERS,
    FUZZ_SETTINGS,
    assert_one_line,
    files_in,
    json_values,
    mutated_bytes,
    no_hang,
    write_case,
)
from tests.helpers.seeds import checkpoint_seed

pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore::UserWarning")]   # torch on odd pickles

STATE_KEYS = ("format", "format_version", "kind", "step", "config", "metrics", "best_psnr", "seconds", "device",
              "generator", "ema")
CONFIG_KEYS = ("data_dir", "out_dir", "phase", "steps", "batch_size", "crop_size", "lr", "generator", "discriminator",
               "init_from", "content_loss", "val_count", "lr_drop_step", "photo_scale")


# Strategies are built once: building one costs more than drawing from it.
_EDITS = st.integers(1, 3)
_PLACE = st.sampled_from(("state", "config", "generator", "drop"))
_STATE_KEY = st.sampled_from(STATE_KEYS)
_CONFIG_KEY = st.sampled_from(CONFIG_KEYS)
_NET_KEY = st.sampled_from(("scale", "num_blocks", "width", "channels", "crop_size"))
_KIND = st.sampled_from(("bytes", "pickle", "storage", "values"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    return checkpoint_seed(tmp_path_factory.mktemp("checkpoint-seed")), tmp_path_factory.mktemp("fuzz-checkpoints")


def with_member(archive: bytes, suffix: str, content: bytes) -> bytes:
    """The zip `archive` with the member ending in `suffix` replaced (stored, as torch writes them)."""
    source, out = zipfile.ZipFile(io.BytesIO(archive)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename.endswith(suffix) else source.read(info))
    return out.getvalue()


@cache
def values() -> st.SearchStrategy[Any]:
    """Plain values a tampered checkpoint could hold where others belong, tensors included."""
    tensors = st.sampled_from([torch.zeros(2), torch.ones(8, 3, 9, 9), torch.tensor(float("nan")),
                               torch.zeros(0), torch.arange(4)])
    return json_values() | st.sampled_from(EDGE_INTEGERS) | tensors


@cache
def _loaded(seed: bytes) -> dict[str, Any]:
    return torch.load(io.BytesIO(seed), weights_only=True)


@st.composite
def mutated_state(draw: st.DrawFn, seed: bytes) -> bytes:
    """A well-formed checkpoint file whose values are wrong: what only the checks after loading catch."""
    state = copy.deepcopy(_loaded(seed))
    for _ in range(draw(_EDITS)):
        where = draw(_PLACE)
        if where == "state":
            state[draw(_STATE_KEY)] = draw(values())
        elif where == "config" and isinstance(state.get("config"), dict):
            key = draw(_CONFIG_KEY)
            if key in ("generator", "discriminator") and isinstance(state["config"].get(key), dict):
                state["config"][key][draw(_NET_KEY)] = draw(values())
            else:
                state["config"][key] = draw(values())
        elif where == "generator" and isinstance(state.get("generator"), dict):
            name = draw(st.sampled_from(sorted(state["generator"])))
            state["generator"][name] = draw(values())
        else:
            state.pop(draw(_STATE_KEY), None)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


@st.composite
def mutated_checkpoint(draw: st.DrawFn, seed: bytes) -> bytes:
    kind = draw(_KIND, label="kind")
    if kind == "bytes":
        return draw(mutated_bytes(seed, hot=6000))
    archive = zipfile.ZipFile(io.BytesIO(seed))
    if kind == "pickle":
        pickle = archive.read("archive/data.pkl")
        return with_member(seed, "data.pkl", draw(mutated_bytes(pickle, hot=len(pickle))))
    if kind == "storage":
        name = draw(st.sampled_from([n for n in archive.namelist() if "/data/" in n or n.endswith("byteorder")]))
        return with_member(seed, name, draw(mutated_bytes(archive.read(name), hot=64)))
    return draw(mutated_state(seed))


def check_checkpoint(path: Path, out: Path) -> None:
    with no_hang():
        try:                                        # export_model starts with load_checkpoint
            exported = export_model(path, out / "model.safetensors", name="fuzz")
        except CheckpointError as exc:
            assert_one_line(exc)
            return
        load_model(exported)


def test_a_mutated_checkpoint_loads_or_is_refused_in_one_line(workspace):
    seed, folder = workspace
    out = folder / "out"
    out.mkdir()

    @FUZZ_SETTINGS
    @given(data=mutated_checkpoint(seed))
    def case(data):
        path = write_case(folder / "last.ckpt", data)
        for old in out.iterdir():
            old.unlink()
        check_checkpoint(path, out)
        assert files_in(folder) == ["last.ckpt", "out"] + [f"out/{p.name}" for p in out.iterdir()]
        assert files_in(out) in ([], ["model.safetensors"])

    case()
