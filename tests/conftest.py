"""Shared test set-up: every test gets its own user-data folder; GUI tests are auto-marked."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

GUI_DIR = Path(__file__).parent / "gui"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tests run tiny networks, which gain nothing from threads; with two, OpenMP's spinning
    threads fight the GUI thread and other processes for the CPU and slow tiny steps 20-50x."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep user models and settings of a test away from the real user's folders."""
    folder = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("SRGAN_DESKTOP_DATA_DIR", str(folder))
    return folder
