"""`srgan`: the command-line front end. Each subcommand lives in its own `cli_*` module.

Exit codes: 0 success, 1 some inputs failed (the rest were processed), 2 bad usage or
unusable input (nothing done), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from core import __version__

# Each module has `register(subparsers)`, which adds its parser(s) with `set_defaults(run=...)`;
# `run(args) -> int` returns the exit code.
COMMAND_MODULES = (
    "core.cli.models",
    "core.cli.upscale",
    "core.cli.eval",
    "core.cli.train",
    "core.cli.finetune",
    "core.cli.export",
)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="srgan", description="SRGAN 4x super-resolution: upscale, train, evaluate.")
    parser.add_argument("--version", action="version", version=f"srgan {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def quiet_library_warnings() -> None:
    """Pillow and torch warn about what they skip in damaged files ("Truncated File Read", an odd
    pickle protocol), two lines each; the one-line error or result already says what matters."""
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
    warnings.filterwarnings("ignore", category=UserWarning, message="Detected pickle protocol")


def main(argv: list[str] | None = None) -> int:
    quiet_library_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("\nsrgan: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `srgan info | head`: the reader left; silence the flush at exit as well.
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except UserError as exc:
        print(f"srgan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    # Run through the importable module, so subcommands' UserError is the class caught above
    # (under `python -m core.cli.main` this file would otherwise be a second module, `__main__`).
    from core.cli.main import main as _main

    sys.exit(_main())
