"""Checkpoints: written atomically, self-describing, and damaged ones refused in one clear line."""

from __future__ import annotations

import io
import pickle
import random
import zipfile
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.common.events import drain
from core.models.model_file import read_model_info
from core.training.checkpoint import CheckpointError, capture_rng, load_checkpoint, restore_rng, save_checkpoint
from core.training.config import TrainConfig
from core.training.events import TrainingError
from core.training.trainer import export_model, train
from tests.helpers.images import aged_file
from tests.helpers.training import tiny_config


@pytest.fixture
def trained(tmp_path):
    config = tiny_config(tmp_path, steps=3, phase="gan")
    drain(train(config))
    return config


def test_checkpoint_describes_itself(trained):
    state = load_checkpoint(trained.out_dir / "last.ckpt")
    assert state["format"] == "srgan-desktop-checkpoint" and state["kind"] == "last" and state["step"] == 3
    assert TrainConfig.from_dict(state["config"]) == trained
    assert {"g_optimizer", "d_optimizer", "g_scheduler", "rng", "discriminator"} <= set(state)
    assert not list(trained.out_dir.glob("*.part"))          # no temp files left behind


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_checkpoint_is_refused_clearly(trained, damage):
    path = trained.out_dir / "last.ckpt"
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x00junk" * 100, "empty": b""}[damage])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert "last.ckpt" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(TrainingError, match="cannot resume"):
        drain(train(trained, resume=True))
    with pytest.raises(CheckpointError):
        export_model(path, trained.out_dir / "x.safetensors", name="x")
    assert not (trained.out_dir / "x.safetensors").exists()


def with_pickle(checkpoint: bytes, pickled: bytes) -> bytes:
    """The checkpoint's zip archive with its data.pkl replaced."""
    source, out = zipfile.ZipFile(io.BytesIO(checkpoint)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, pickled if info.filename.endswith("data.pkl") else source.read(info))
    return out.getvalue()


def test_damage_found_by_fuzzing_is_refused_in_one_line(trained, tmp_path):
    """Found by tests/core/fuzz: an IndexError from torch's unpickler, a ValueError from a tensor where the
    format version belongs, a generator with NaN weights exported as an unusable model file, and a tensor
    among the metrics that the model file's JSON could not hold (TypeError)."""
    path = trained.out_dir / "best.ckpt"
    good = path.read_bytes()
    state = load_checkpoint(path)
    cases = {"stack-underflow": with_pickle(good, b"\x80\x02."),         # STOP with nothing on the stack
             "tensor-version": {**state, "format_version": torch.zeros(2)},
             "text-step": {**state, "step": "3"}}
    for name, damaged in cases.items():
        target = tmp_path / f"{name}.ckpt"
        target.write_bytes(damaged) if isinstance(damaged, bytes) else torch.save(damaged, target)
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(target)
        assert f"{name}.ckpt" in str(info.value) and "\n" not in str(info.value)
    generator = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v
                 for k, v in state["generator"].items()}
    torch.save({**state, "generator": generator, "ema": None}, tmp_path / "nan.ckpt")
    with pytest.raises(CheckpointError, match="NaN"):
        export_model(tmp_path / "nan.ckpt", tmp_path / "nan.safetensors", name="nan")
    assert not (tmp_path / "nan.safetensors").exists()
    torch.save({**state, "metrics": {"psnr": torch.tensor([20.0, 21.0]), "ssim": 0.5}}, tmp_path / "odd.ckpt")
    exported = export_model(tmp_path / "odd.ckpt", tmp_path / "odd.safetensors", name="odd")
    assert read_model_info(exported).metrics["validation"] == {"ssim": 0.5}
    torch.save({**state, "validations": [{"step": 2, "psnr": 20.5}, "junk", 3]}, tmp_path / "junk.ckpt")
    exported = export_model(tmp_path / "junk.ckpt", tmp_path / "junk.safetensors", name="junk")
    assert read_model_info(exported).metrics["validation_history"] == [{"step": 2.0, "psnr": 20.5}]


class Exploit:
    def __reduce__(self):
        return (print, ("pickled code ran",))


def test_arbitrary_pickles_and_foreign_files_are_refused(tmp_path):
    evil = tmp_path / "evil.ckpt"
    with open(evil, "wb") as f:
        pickle.dump({"format": "srgan-desktop-checkpoint", "x": Exploit()}, f, protocol=2)
    with pytest.raises(CheckpointError, match="corrupted"):
        load_checkpoint(evil)
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointError, match="not an SRGAN Desktop"):
        load_checkpoint(foreign)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.ckpt")


def test_rng_states_round_trip_through_a_checkpoint(tmp_path):
    torch.manual_seed(1), np.random.seed(2), random.seed(3)
    save_checkpoint({"step": 0, "config": {}, "generator": {}, "rng": capture_rng()}, tmp_path / "r.ckpt")
    expected = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(9), np.random.seed(9), random.seed(9)
    restore_rng(load_checkpoint(tmp_path / "r.ckpt")["rng"])
    assert torch.equal(torch.rand(3), expected[0])
    assert np.array_equal(np.random.rand(3), expected[1]) and random.random() == expected[2]


@pytest.mark.parametrize("resume", [False, True])
def test_the_next_training_run_removes_stale_partial_checkpoints(tmp_path, resume):
    config = tiny_config(tmp_path, steps=2, phase="mse")
    if resume:
        drain(train(replace(config, steps=1)))
        config = replace(config, steps=2)
    stale = aged_file(config.out_dir / ".last.ckpt.q1w2e3r4.part", content=b"half a checkpoint")
    young = aged_file(config.out_dir / ".best.ckpt.q1w2e3r4.part", seconds=1)
    drain(train(config, resume=resume))
    assert not stale.exists() and young.exists()
