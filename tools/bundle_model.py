"""Turn a training checkpoint into a bundled model: export, measure on Set5/Set14, pin its hash.

    python tools/bundle_model.py runs/mse/best.ckpt srresnet-x4 "SRResNet x4 (Faithful)" \
        --bench ../shared/data/bench --description "..." [--default]

Writes resources/models/<name>.safetensors with the benchmark scores in its metrics, and adds or
replaces its entry (file, SHA-256) in resources/models/bundled.json; --default lists it first.

    python tools/bundle_model.py --rescore srresnet-x4 --bench ../shared/data/bench

re-measures a bundled model (e.g. after `srgan eval` learnt a new score) and rewrites only its
metrics: same weights, same provenance, new hash pinned.
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
from core.models.model_file import file_sha256, load_model, read_model_info, save_model  # noqa: E402
from core.training.checkpoint import is_checkpoint_file, load_checkpoint  # noqa: E402
from core.training.trainer import export_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path, nargs="?")
    parser.add_argument("name", nargs="?")
    parser.add_argument("title", nargs="?")
    parser.add_argument("--rescore", metavar="NAME", help="re-measure the bundled model NAME; keep all else")
    parser.add_argument("--description", default="")
    parser.add_argument("--bench", type=Path, required=True, help="folder holding Set5/ and Set14/")
    parser.add_argument("--default", action="store_true", help="make it the default model")
    parser.add_argument("--note", default="", help="extra provenance note, e.g. 'interim: training continues'")
    args = parser.parse_args()
    if args.rescore:
        return rescore(args.rescore, args.bench)
    if not (args.checkpoint and args.name and args.title):
        parser.error("give CHECKPOINT NAME TITLE, or --rescore NAME")

    destination = bundled_models_dir() / f"{args.name}.safetensors"
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_model(args.checkpoint, Path(tmp) / destination.name, name=args.name,
                                title=args.title, description=args.description)
        model, info = load_model(exported)
        metrics = measure(exported, args.bench, info.metrics)
    provenance = dict(info.provenance)
    replaced = read_model_info(destination).provenance.get("runs", []) if destination.is_file() else []
    runs = lineage(args.checkpoint, replaced)
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


def measure(model_file: Path, bench: Path, metrics: dict) -> dict:
    metrics = dict(metrics)
    for name in ("Set5", "Set14"):
        metrics[name] = drain(evaluate(model_file, bench / name)).as_metrics()
        print(f"{name}: {metrics[name]}")
    return metrics


def rescore(name: str, bench: Path) -> int:
    path = bundled_models_dir() / f"{name}.safetensors"
    model, info = load_model(path)
    save_model(model, path, name=info.name, title=info.title, description=info.description,
               provenance=info.provenance, metrics=measure(path, bench, info.metrics))
    entries = json.loads((path.parent / BUNDLED_INDEX).read_text())["models"]
    update_index(path, name, make_default=bool(entries) and entries[0]["name"] == name)
    print(f"re-scored {path}")
    return 0


def lineage(checkpoint: Path, recorded: list[dict] | tuple = ()) -> list[dict]:
    """The runs that made `checkpoint`, newest first: its own, then the one its generator started
    from (`init_from`), and so on, so the model records all the steps and hours behind it.

    Older resume points leave the repository as new ones replace them, so the walk can reach a file
    that is gone; `recorded` (the runs the model being replaced lists) then supplies the rest.
    """
    runs: list[dict] = []
    seen: set[str] = set()
    path: Path | None = checkpoint
    while path is not None and path.as_posix() not in seen:
        seen.add(path.as_posix())
        if not path.is_file():
            return runs + _recorded_from(recorded, path)
        if not is_checkpoint_file(path):
            # A run started from an exported model: its provenance tells the runs behind it.
            provenance = read_model_info(path).provenance
            if provenance.get("runs"):
                return runs + list(provenance["runs"])
            runs.append({"checkpoint": path.as_posix(), "phase": provenance.get("phase", "mse"),
                         "steps": int(provenance.get("steps", 0)), "seconds": float(provenance.get("seconds", 0.0))})
            path = Path(provenance["base_model"]) if provenance.get("base_model") else None
            continue
        state = load_checkpoint(path)
        config = state["config"]
        runs.append({"checkpoint": path.as_posix(), "phase": config["phase"], "steps": int(state["step"]),
                     "seconds": round(float(state.get("seconds", 0.0)), 1)})
        path = Path(config["init_from"]) if config.get("init_from") else None
    return runs


def _recorded_from(recorded: list[dict] | tuple, missing: Path) -> list[dict]:
    """The recorded runs from the one `missing` names on; none (and a warning) if it is not listed."""
    names = [run.get("checkpoint") for run in recorded]
    if missing.as_posix() in names:
        return list(recorded[names.index(missing.as_posix()):])
    print(f"warning: {missing} is gone and no earlier model records it; the steps before it are not counted")
    return []


def update_index(path: Path, name: str, make_default: bool) -> None:
    index_path = path.parent / BUNDLED_INDEX
    models = json.loads(index_path.read_text())["models"] if index_path.exists() else []
    models = [m for m in models if m["name"] != name]
    entry = {"name": name, "file": path.name, "sha256": file_sha256(path)}
    models.insert(0, entry) if make_default else models.append(entry)
    index_path.write_text(json.dumps({"models": models}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
