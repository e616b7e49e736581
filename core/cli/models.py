"""`srgan models` and `srgan info MODEL`: what is installed and what a model file says."""

from __future__ import annotations

import argparse
import json
import textwrap

from core.cli.main import UserError
from core.common.paths import user_models_dir
from core.models.library import list_models, resolve_model
from core.models.model_file import ModelFileError, ModelInfo, read_model_info
from core.models.summary import summary_lines

WRAP = 100


def register(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser("models", help="list bundled and user models")
    models.set_defaults(run=run_models)
    info = subparsers.add_parser("info", help="show what a model file says about itself")
    info.add_argument("model", nargs="?", help="model file or library name (default: the default model)")
    info.add_argument("--json", action="store_true", help="print the whole self-description as JSON")
    info.set_defaults(run=run_info)


def run_models(args: argparse.Namespace) -> int:
    entries, problems = list_models()
    if not entries:
        print("No models installed. Bundled models live in resources/models/, "
              f"your own in {user_models_dir()}")
    for entry in entries:
        tags = ["bundled" if entry.bundled else "user"] + (["default"] if entry.default else [])
        print(f"{entry.info.name:<24} x{entry.info.scale}  {entry.info.display_name}  [{', '.join(tags)}]")
        print(f"{'':<24} {entry.path}")
    for path, reason in problems:
        print(f"unusable: {reason}")
        print(f"{'':<24} {path}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    try:
        info = read_model_info(resolve_model(args.model))
    except ModelFileError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps(describe(info), indent=2))
        return 0
    for label, text in summary_lines(info) + [("file", str(info.path))]:
        lines = textwrap.wrap(text, width=WRAP, subsequent_indent=" " * 11) or [""]
        print(f"{label + ':':<10} " + "\n".join(lines))
    return 0


def describe(info: ModelInfo) -> dict:
    return {
        "name": info.name,
        "title": info.title,
        "file": str(info.path),
        "scale": info.scale,
        "arch": info.arch_config.to_dict(),
        "value_range": list(info.value_range),
        "description": info.description,
        "provenance": info.provenance,
        "metrics": info.metrics,
    }
