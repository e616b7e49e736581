"""Start the desktop app: QApplication on a qasync event loop, the main window, argv images.

The palette follows the system: Qt's Fusion style picks light or dark from the platform's
colour scheme and we re-polish when the user switches it while the app runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from core.common.paths import resources_dir
from srgan_desktop.main_window.window import MainWindow
from srgan_desktop.settings import APPLICATION, ORGANIZATION


def configure_application_names() -> None:
    """QSettings finds its file from these; the batch window and wizard share it."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setOrganizationDomain("srgan-desktop.local")
    QCoreApplication.setApplicationName(APPLICATION)


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        path = resources_dir() / "icons" / f"srgan_desktop-{size}.png"
        if path.exists():
            icon.addFile(str(path))
    return icon


def follow_system_palette(app: QApplication) -> None:
    app.setStyle("Fusion")
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda _scheme: app.setPalette(app.style().standardPalette()))


def parse_arguments(argv: list[str]) -> list[Path]:
    parser = argparse.ArgumentParser(prog="srgan-desktop", description="4x photo upscaling with a side-by-side viewer")
    parser.add_argument("images", nargs="*", type=Path, help="image files to open and upscale")
    args, _qt_args = parser.parse_known_args(argv[1:])
    return list(args.images)


def run_app(argv: list[str]) -> int:
    images = parse_arguments(argv)
    configure_application_names()
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv)
    follow_system_palette(app)
    app.setWindowIcon(app_icon())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    window.show()
    if images:
        window.open_paths(images)
    QTimer.singleShot(0, window.offer_finetune_resume)
    closing = asyncio.Event()
    app.aboutToQuit.connect(closing.set)
    with loop:
        loop.run_until_complete(closing.wait())
    return 0


if __name__ == "__main__":
    sys.exit(run_app(sys.argv))
