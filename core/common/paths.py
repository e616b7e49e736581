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


# The app icon, drawn by resources/icons/make_icons.py (PNG_SIZES there must match).
ICON_BASENAME = "srgan_desktop"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)


def resources_dir() -> Path:
    """The bundled `resources/` folder.

    Installed from a wheel (`pip install .`): the package `core.resources`, i.e.
    `site-packages/core/resources`, where pyproject.toml puts the folder.
    Source tree:      <checkout>/core/common/paths.py      -> <checkout>/resources
    Briefcase bundle: <app folder>/core/common/paths.py    -> <app folder>/resources
    where the app folder is `SRGAN Desktop.app/Contents/Resources/app` (macOS),
    `<install dir>/app` (Windows), `/usr/lib/srgan_desktop/app` (Linux packages) or
    `usr/app` inside the AppImage. Briefcase copies each entry of `sources`, `resources`
    included, side by side into that folder. The installed copy is looked for first: beside
    site-packages/core a folder named `resources` could belong to any other package.
    The bundle may be read-only: never write here (user files belong in `user_data_dir()`).
    """
    override = os.environ.get(RESOURCES_DIR_ENV)
    if override:
        return Path(override)
    core_dir = Path(__file__).resolve().parents[1]
    installed = core_dir / "resources"
    return installed if installed.is_dir() else core_dir.parent / "resources"


def icons_dir() -> Path:
    return resources_dir() / "icons"


def app_icon_path(size: int = 256) -> Path:
    """The app icon as a PNG for window and dialog icons: the smallest drawn size >= `size`."""
    chosen = next((s for s in ICON_SIZES if s >= size), ICON_SIZES[-1])
    return icons_dir() / f"{ICON_BASENAME}-{chosen}.png"


def app_icon_paths() -> list[Path]:
    """Every PNG size of the app icon, smallest first (add them all to one QIcon)."""
    return [icons_dir() / f"{ICON_BASENAME}-{s}.png" for s in ICON_SIZES]


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
