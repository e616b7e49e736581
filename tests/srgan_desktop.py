"""Briefcase's test entry point: `briefcase dev --test` and `briefcase run --test` run this module.

In test mode Briefcase starts `tests.srgan_desktop` instead of `srgan_desktop`, with the app's
sources plus `tests/` and `pyproject.toml` (see `test_sources`). It runs the pytest suite and
prints the exit sentinel Briefcase's log streamer watches for to decide pass or fail.
Arguments after `--` are handed to pytest, e.g. `briefcase dev --test -- tests/core -k paths`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# The folder that holds tests/, core/ and srgan_desktop/: the checkout, or the bundle's app folder.
PROJECT_DIR = Path(__file__).resolve().parent.parent


def pytest_args(argv: list[str]) -> list[str]:
    """The pytest command line for the given arguments (the whole suite when there are none)."""
    return [
        "-vv",
        "--color=no",   # Briefcase shows the output in a log, not a terminal
        # A bundle's app folder may be read-only: keep pytest's cache somewhere writable.
        "-o", f"cache_dir={Path(tempfile.gettempdir()) / 'srgan-desktop-pytest-cache'}",
        *(argv or ["tests"]),
    ]


def run_tests(argv: list[str] | None = None) -> int:
    import pytest  # a test-only requirement; the app itself never imports it

    argv = sys.argv[1:] if argv is None else argv
    os.chdir(PROJECT_DIR)   # pytest finds pyproject.toml (markers, options) from here
    # Running as a script puts tests/ first on sys.path, where this file would shadow the
    # real `srgan_desktop` package.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    # Test bundles usually run on build machines without a display.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    returncode = int(pytest.main(pytest_args(argv)))
    print(f">>>>>>>>>> EXIT {returncode} <<<<<<<<<<")
    return returncode


if __name__ == "__main__":
    sys.exit(run_tests())
