"""The real-world model is recommended for compressed or noisy images, and only when installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.common import paths
from core.common.paths import user_models_dir
from core.imageio.condition import jpeg_quality, noise_sigma
from core.inference.recommend import REAL_WORLD_MODEL, recommend
from core.models import library
from core.models.library import installed_names
from tests.helpers.tiny import tiny_model_file


def _photo(seed: int = 0, noise: float = 0.0) -> np.ndarray:
    yy, xx = np.mgrid[0:96, 0:128] / 128.0
    smooth = np.stack([xx, yy, 0.5 * (xx + yy)], axis=2)
    return np.clip(smooth + np.random.default_rng(seed).normal(0, noise / 255, smooth.shape), 0, 1)


def _save(rgb: np.ndarray, path: Path, **options) -> Path:
    Image.fromarray(np.uint8(np.round(rgb * 255))).save(path, **options)
    return path


@pytest.fixture
def real_world_installed(isolated_user_data) -> Path:
    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return tiny_model_file(folder, name=REAL_WORLD_MODEL, title="Real-world photo x4")


@pytest.mark.parametrize("quality", [20, 50, 75, 90, 95])
def test_jpeg_quality_is_read_from_the_tables(tmp_path, quality):
    assert jpeg_quality(_save(_photo(), tmp_path / "q.jpg", quality=quality)) == quality
    assert jpeg_quality(_save(_photo(), tmp_path / "p.png")) is None


def test_noise_estimate_follows_the_added_noise():
    assert noise_sigma(_photo()) < 1.0
    assert 8 < noise_sigma(_photo(noise=10)) < 12
    assert 17 < noise_sigma(_photo(noise=20)) < 23


def test_compressed_and_noisy_images_get_the_real_world_model(tmp_path, real_world_installed):
    web = recommend(_save(_photo(), tmp_path / "web.jpg", quality=60))
    assert web is not None and web.model == REAL_WORLD_MODEL and "quality ~60" in web.reason
    noisy = _photo(noise=15)
    found = recommend(_save(noisy, tmp_path / "noisy.png"), noisy)
    assert found is not None and "noisy" in found.reason
    pasted = recommend(None, noisy)                     # no file: the pixels alone decide
    assert pasted is not None and "noisy" in pasted.reason


def test_clean_images_keep_the_users_choice(tmp_path, real_world_installed):
    assert recommend(_save(_photo(), tmp_path / "fine.jpg", quality=95)) is None
    clean = _photo(noise=1)
    assert recommend(_save(clean, tmp_path / "clean.png"), clean) is None
    assert recommend(None, clean) is None


def test_nothing_is_recommended_when_the_model_is_not_installed(tmp_path, isolated_user_data, monkeypatch):
    monkeypatch.setenv(paths.RESOURCES_DIR_ENV, str(tmp_path / "an-install-without-bundled-models"))
    assert recommend(_save(_photo(), tmp_path / "web.jpg", quality=40)) is None


def test_a_batch_of_images_reads_the_library_once_and_a_new_model_is_noticed(tmp_path, isolated_user_data,
                                                                             monkeypatch):
    reads = []
    list_models = library.list_models
    monkeypatch.setattr(library, "list_models", lambda *a: reads.append(1) or list_models(*a))
    for i in range(5):
        recommend(_save(_photo(seed=i), tmp_path / f"{i}.png"))
    assert len(reads) == 1                   # not once per image: that hashed every bundled model each time
    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    added = tiny_model_file(folder, name="added")
    assert "added" in installed_names() and len(reads) == 2
    assert "added" in installed_names() and len(reads) == 2
    added.unlink()
    assert "added" not in installed_names()
