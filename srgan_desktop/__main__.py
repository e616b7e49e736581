"""`python -m srgan_desktop` / `srgan-desktop`: launch the desktop app."""

from __future__ import annotations

import sys


def main() -> int:
    from srgan_desktop.app import run_app  # Qt is imported only when the app really starts

    return run_app(sys.argv)


if __name__ == "__main__":
    sys.exit(main())
