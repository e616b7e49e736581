"""The models shipped in resources/models: present, unchanged, self-describing, and working."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.common.events import drain
from core.common.paths import bundled_models_dir
from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.library import bundled_index, default_model, list_models
from core.models.model_file import read_model_info
from tests.helpers.tiny import tiny_model_file

BUNDLED = bundled_index()


def test_a_default_model_is_bundled():
    assert BUNDLED, "resources/models/bundled.json lists no model"
    entry = default_model()
    assert entry is not None and entry.bundled and entry.default


@pytest.mark.parametrize("item", BUNDLED, ids=[item["name"] for item in BUNDLED])
def test_bundled_model_metadata_hash_and_upscale(item):
    entries, problems = list_models()
    assert not problems
    path = bundled_models_dir() / item["file"]
    info = read_model_info(path)
    assert info.name == item["name"] and info.scale == 4
    assert info.provenance["steps"] > 0 and info.provenance["data"]
    assert {"Set5", "Set14"} <= set(info.metrics)
    assert path.stat().st_size < 10_000_000        # "a few MB"
    image = np.random.default_rng(0).random((20, 24, 3), dtype=np.float32)
    result = drain(Upscaler(path, InferenceOptions(device="cpu")).upscale(image))
    assert result.shape == (80, 96, 3) and np.isfinite(result).all()


def test_a_changed_bundled_file_is_refused(tmp_path, monkeypatch):
    """The SHA-256 in bundled.json pins each file: damaged bytes are reported, not loaded."""
    models = tmp_path / "resources" / "models"
    models.mkdir(parents=True)
    path = tiny_model_file(models, name="pinned")
    index = {"models": [{"name": "pinned", "file": path.name, "sha256": "0" * 64}]}
    (models / "bundled.json").write_text(json.dumps(index))
    monkeypatch.setenv("SRGAN_DESKTOP_RESOURCES", str(tmp_path / "resources"))
    entries, problems = list_models()
    assert not [e for e in entries if e.bundled]
    assert "hash mismatch" in problems[0][1]
    shutil.rmtree(models)


@pytest.mark.parametrize("item", BUNDLED, ids=[item["name"] for item in BUNDLED])
def test_readme_table_shows_the_scores_stored_in_each_bundled_model(item):
    """The README's model table is what `srgan eval` measured when the model was bundled."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("|") and f"(`{item['name']}`" in line]
    assert len(rows) == 1, f"README needs one table row naming `{item['name']}`"
    metrics = read_model_info(bundled_models_dir() / item["file"]).metrics
    for bench in ("Set5", "Set14"):
        assert f"{metrics[bench]['psnr']:.2f} / {metrics[bench]['ssim']:.4f}" in rows[0], bench
    assert f"| {metrics['Set14']['niqe']:.2f} |" in rows[0], "Set14 NIQE"
