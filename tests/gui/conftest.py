"""GUI test set-up: the app's qasync loop, settings in a per-test INI folder, a tiny model."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings

from core.common.paths import user_models_dir
from srgan_desktop.settings import APPLICATION, ORGANIZATION
from tests.helpers.tiny import tiny_model_file

CLEAN_UP_S = 10.0


@pytest.fixture(autouse=True)
def qasync_loop(qapp):
    """The asyncio loop the app runs (app.py), on the tests' QApplication, fresh for each test.

    pytest-qt's waits turn Qt's event loop, and with it this one: async slots and background
    jobs behave as in the app. It is marked running, as `run_until_complete` marks it in the
    app, so coroutines find it. Slots still awaiting at the end (their windows are closed by
    then) are cancelled and given a moment to unwind.
    """
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    yield loop
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    deadline = time.monotonic() + CLEAN_UP_S
    while any(not task.done() for task in pending) and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
    loop.close()


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
