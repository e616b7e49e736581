"""Turn a training checkpoint into a bundled model: export, measure on Set5/Set14, pin its hash.

    python tools/bundle_model.py runs/mse/best.ckpt srresnet-x4 "SRResNet x4 (Faithful)" \
        --bench ../shared/data/bench --description "..." [--default]

Writes resources/models/<name>.safetensors with the benchmark scores in its metrics, and adds or
replaces its entry (file, SHA-256) in resources/models/bundled.json; --default lists it first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.common.events import drain  # noqa: E402
from core.common.paths import bundled_models_dir  # noqa: E402
from core.evaluation.evaluate import evaluate  # noqa: E402
from core.models.library import BUNDLED_INDEX  # noqa: E402
from core.models.model_file import file_sha256, load_model, save_model  # noqa: E402
from core.training.checkpoint import is_checkpoint_file, load_checkpoint  # noqa: E402
from core.training.trainer import export_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("name")
    parser.add_argument("title")
    parser.add_argument("--description", default="")
    parser.add_argument("--bench", type=Path, required=True, help="folder holding Set5/ and Set14/")
    parser.add_argument("--default", action="store_true", help="make it the default model")
    parser.add_argument("--note", default="", help="extra provenance note, e.g. 'interim: training continues'")
    args = parser.parse_args()

    destination = bundled_models_dir() / f"{args.name}.safetensors"
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_model(args.checkpoint, Path(tmp) / destination.name, name=args.name,
                                title=args.title, description=args.description)
        model, info = load_model(exported)
        metrics = dict(info.metrics)
        for bench in ("Set5", "Set14"):
            report = drain(evaluate(exported, args.bench / bench))
            metrics[bench] = report.as_metrics()
            print(f"{bench}: {metrics[bench]}")
    provenance = dict(info.provenance)
    runs = lineage(args.checkpoint)
    provenance["runs"] = runs
    provenance["total_steps"] = sum(run["steps"] for run in runs)
    provenance["hours"] = round(sum(run["seconds"] for run in runs) / 3600, 2)
    if args.note:
        provenance["note"] = args.note
    save_model(model, destination, name=args.name, title=args.title, description=args.description,
               provenance=provenance, metrics=metrics)
    update_index(destination, args.name, args.default)
    print(f"bundled {destination} ({destination.stat().st_size / 1e6:.1f} MB)")
    return 0


def lineage(checkpoint: Path) -> list[dict]:
    """The runs that made `checkpoint`, newest first: its own, then the one its generator started
    from (`init_from`), and so on, so the model records all the steps and hours behind it."""
    runs: list[dict] = []
    path: Path | None = checkpoint
    while path is not None and is_checkpoint_file(path) and len(runs) < 10:
        state = load_checkpoint(path)
        config = state["config"]
        runs.append({"checkpoint": path.as_posix(), "phase": config["phase"], "steps": int(state["step"]),
                     "seconds": round(float(state.get("seconds", 0.0)), 1)})
        path = Path(config["init_from"]) if config.get("init_from") else None
    return runs


def update_index(path: Path, name: str, make_default: bool) -> None:
    index_path = path.parent / BUNDLED_INDEX
    models = json.loads(index_path.read_text())["models"] if index_path.exists() else []
    models = [m for m in models if m["name"] != name]
    entry = {"name": name, "file": path.name, "sha256": file_sha256(path)}
    models.insert(0, entry) if make_default else models.append(entry)
    index_path.write_text(json.dumps({"models": models}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
