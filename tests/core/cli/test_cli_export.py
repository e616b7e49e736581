"""`srgan export`: model -> ONNX and a blend of two models, with clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cli.main import main
from core.models.model_file import read_model_info
from core.nets.config import GeneratorConfig
from tests.helpers.tiny import tiny_generator, tiny_model_file


def test_export_blend_writes_a_model_that_names_its_parents(tmp_path: Path, capsys) -> None:
    a, b = tiny_model_file(tmp_path, "a", seed=0), tiny_model_file(tmp_path, "b", seed=1)
    out = tmp_path / "mix.safetensors"
    assert main(["export", "--blend", str(a), str(b), "0.4", str(out)]) == 0
    blend = read_model_info(out).provenance["blend"]
    assert blend["weight"] == 0.4 and blend["faithful"]["name"] == "a" and blend["photo_realistic"]["name"] == "b"
    assert "detail 0.40" in capsys.readouterr().out
    assert main(["export", "--blend", str(a), str(b), "0.4", str(out)]) == 2          # exists, no --force
    assert main(["export", "--blend", str(a), str(b), "1.5", str(tmp_path / "x.safetensors")]) == 2
    assert main(["export", "--blend", str(a), str(b), "lots", str(tmp_path / "y.safetensors")]) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_export_blend_refuses_models_of_different_shapes(tmp_path: Path, capsys) -> None:
    from core.models.model_file import save_model
    a = tiny_model_file(tmp_path, "a")
    wide = save_model(tiny_generator(config=GeneratorConfig(scale=4, num_blocks=1, width=16)),
                      tmp_path / "wide.safetensors", name="wide")
    assert main(["export", "--blend", str(a), str(wide), "0.5", str(tmp_path / "m.safetensors")]) == 2
    assert "cannot be blended" in capsys.readouterr().err
    assert not (tmp_path / "m.safetensors").exists()


def test_export_model_to_onnx(tmp_path: Path, capsys) -> None:
    pytest.importorskip("onnxscript")
    onnx = pytest.importorskip("onnx")
    model = tiny_model_file(tmp_path, "tiny")
    out = tmp_path / "tiny.onnx"
    assert main(["export", str(model), str(out)]) == 0
    assert "ONNX" in capsys.readouterr().out
    assert {p.key for p in onnx.load(str(out)).metadata_props} >= {"name", "scale", "provenance"}
    assert main(["export", str(tmp_path / "missing.safetensors"), str(tmp_path / "m.onnx")]) == 2


def test_export_a_compact_resume_copy_and_a_model_with_its_validation_history(tmp_path: Path, capsys) -> None:
    from core.training.checkpoint import load_checkpoint
    from core.training.trainer import train
    from tests.helpers.training import collect, tiny_config

    config = tiny_config(tmp_path, phase="gan", steps=4, val_every=2, checkpoint_every=4)
    collect(train(config), [])
    last = config.out_dir / "last.ckpt"
    copy = tmp_path / "committed" / "last.ckpt"
    copy.parent.mkdir()
    assert main(["export", str(last), str(copy)]) == 0
    assert "MiB" in capsys.readouterr().out and load_checkpoint(copy)["compact"] is True
    assert main(["export", str(last), str(last), "--force"]) == 2                  # never over the full one
    assert "another file" in capsys.readouterr().err
    assert main(["export", str(config.out_dir / "best.ckpt"), str(tmp_path / "b.ckpt")]) == 2
    assert "only a resume checkpoint" in capsys.readouterr().err

    model = tmp_path / "m.safetensors"
    assert main(["export", str(last), str(model)]) == 0
    history = read_model_info(model).metrics["validation_history"]
    assert [h["step"] for h in history] == [0, 2, 4] and all(h["psnr"] > 0 for h in history)
