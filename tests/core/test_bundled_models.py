"""The models shipped in resources/models: present, unchanged, self-describing, and working."""

import json
import shutil

import numpy as np
import pytest

from core.events import drain
from core.inference import InferenceOptions, Upscaler
from core.model_file import read_model_info
from core.model_library import bundled_index, default_model, list_models
from core.paths import bundled_models_dir
from tests.core.tiny import tiny_model_file

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
