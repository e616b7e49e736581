"""tools/bundle_model.py counts every run behind a bundled model, even when old resume points are gone."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from core.training.checkpoint import save_checkpoint

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(not (ROOT / "tools" / "bundle_model.py").is_file(),
                                reason="the tools folder is not shipped in this install")


def _bundle_tool() -> ModuleType:
    path = ROOT / "tools" / "bundle_model.py"
    spec = importlib.util.spec_from_file_location("bundle_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(path: Path, steps: int, init_from: Path | None) -> Path:
    config = {"phase": "mse", "init_from": str(init_from) if init_from else None}
    return save_checkpoint({"step": steps, "config": config, "generator": {}, "seconds": steps / 10}, path)


def test_a_chain_of_twelve_runs_is_counted_whole(tmp_path):
    previous = None
    for i in range(12):
        previous = _run(tmp_path / f"run{i}.ckpt", 100 + i, previous)
    runs = _bundle_tool().lineage(previous)
    assert [r["steps"] for r in runs] == [111 - i for i in range(12)]


def test_a_removed_resume_point_takes_the_rest_from_the_replaced_models_record(tmp_path):
    gone = tmp_path / "training" / "old" / "last.ckpt"            # replaced in the repo, so not on disk
    recorded = [{"checkpoint": "runs/a.ckpt", "phase": "mse", "steps": 7, "seconds": 1.0},
                {"checkpoint": gone.as_posix(), "phase": "mse", "steps": 400, "seconds": 40.0},
                {"checkpoint": "runs/first.ckpt", "phase": "mse", "steps": 1000, "seconds": 100.0}]
    middle = _run(tmp_path / "middle.ckpt", 300, gone)
    newest = _run(tmp_path / "newest.ckpt", 50, middle)
    runs = _bundle_tool().lineage(newest, recorded)
    assert [r["steps"] for r in runs] == [50, 300, 400, 1000]


def test_a_removed_resume_point_nobody_recorded_ends_the_chain_with_a_warning(tmp_path, capsys):
    newest = _run(tmp_path / "newest.ckpt", 50, tmp_path / "gone.ckpt")
    assert [r["steps"] for r in _bundle_tool().lineage(newest, [])] == [50]
    assert "gone.ckpt is gone" in capsys.readouterr().out


def test_a_chain_that_loops_back_stops(tmp_path):
    first, second = tmp_path / "a.ckpt", tmp_path / "b.ckpt"
    _run(first, 1, second)
    _run(second, 2, first)
    assert [r["steps"] for r in _bundle_tool().lineage(first)] == [1, 2]
