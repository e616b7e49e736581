"""GUI test set-up: settings in a per-test INI folder, a tiny model in the user model folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from core.common.paths import user_models_dir
from srgan_desktop.settings import APPLICATION, ORGANIZATION
from tests.helpers.tiny import tiny_model_file


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
