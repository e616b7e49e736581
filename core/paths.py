"""Where the app's files live: bundled resources and the per-user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "SRGAN Desktop"
APP_AUTHOR = "srgan-desktop"

# Tests and portable installs point this at a folder of their own.
DATA_DIR_ENV = "SRGAN_DESKTOP_DATA_DIR"
RESOURCES_DIR_ENV = "SRGAN_DESKTOP_RESOURCES"


def resources_dir() -> Path:
    """The bundled `resources/` folder, beside `core/` in the source tree and in a Briefcase bundle."""
    override = os.environ.get(RESOURCES_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"


def bundled_models_dir() -> Path:
    return resources_dir() / "models"


def sample_image() -> Path:
    return resources_dir() / "sample.png"


def user_data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def user_models_dir() -> Path:
    """Fine-tuned models the user made; created on first use."""
    return user_data_dir() / "models"
