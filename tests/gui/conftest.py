"""GUI test set-up: settings in a per-test INI folder, a tiny model in the user model folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication, QSettings

from core.paths import user_models_dir
from srgan_desktop.settings import APPLICATION, ORGANIZATION
from tests.core.tiny import tiny_model_file


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, qapp) -> Path:
    """Each test reads and writes its own QSettings file, never the user's."""
    folder = tmp_path_factory.mktemp("settings")
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture
def tiny_model(isolated_user_data: Path) -> Path:
    """A tiny 4x model in the (isolated) user model folder, so the model picker finds it."""
    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return tiny_model_file(folder, name="tiny", title="Tiny test model", description="untrained, for tests")


def write_photo(path: Path, size: tuple[int, int] = (24, 16), **save_options) -> Path:
    """A small RGB image with some structure (a gradient plus noise)."""
    rng = np.random.default_rng(0)
    width, height = size
    x = np.linspace(0, 255, width)[None, :, None]
    y = np.linspace(0, 255, height)[:, None, None]
    pixels = (x * 0.6 + y * 0.3 + rng.integers(0, 40, (height, width, 3))).clip(0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, **save_options)
    return path
