"""Fuzzing the fine-tune run records, JSON files in the user's data folder that anyone can edit.

Listing the runs, reading one, describing it and deleting it must never raise anything but the
store's own one-line `RunError`, and must never delete anything outside the runs folder, whatever
a tampered record holds. The single `interrupted.json` of earlier versions is read once to move
it into the store: that must never raise or delete anything either, whatever folder it names
('..', links, absolute paths, the runs folder itself).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.common.paths import user_data_dir
from core.finetune.runs import (
    RECORD_NAME,
    RunError,
    RunRecord,
    Score,
    delete_run,
    list_runs,
    migrate_old_record,
    old_record_path,
    read_run,
    runs_root,
)
from tests.helpers.fuzz import (
    FUZZ_SETTINGS,
    assert_one_line,
    json_dumps,
    json_values,
    mutated_bytes,
    no_hang,
    write_case,
)

pytestmark = pytest.mark.fuzz
RUN_ID = "20240101-000000"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder outside the data folder, reachable from the runs folder by a link and by '..'."""
    victim = tmp_path / "victim"
    (victim / "inner").mkdir(parents=True)
    (victim / "inner" / "precious.txt").write_text("keep me")
    runs = runs_root()
    runs.mkdir(parents=True)
    (runs / "20240101-000009").symlink_to(victim, target_is_directory=True)
    (runs / "loop").symlink_to(runs / "loop")
    return victim


def assert_untouched(victim: Path) -> None:
    assert (victim / "inner" / "precious.txt").read_text() == "keep me"
    assert os.path.islink(runs_root() / "20240101-000009")


def seed_record(folder: Path) -> bytes:
    record = RunRecord(id=RUN_ID, folder=folder, title="Garden", photo_folder="/photos", base_model="/m.safetensors",
                       base_title="Base", mode="realistic", created="2024-01-01T00:00:00", state="running",
                       config={"data_dir": "/photos", "out_dir": str(folder), "steps": 10}, total_steps=10,
                       last_step=5, scoreboard=(Score(0, 30.0, 0.9, 5.0), Score(5, 30.2, 0.91, 4.8)),
                       base=Score(0, 30.0, 0.9, 5.0), bicubic=Score(0, 28.0, 0.85, 7.0), preview="preview.png",
                       best_step=5)
    return json.dumps(record.to_json()).encode()


def test_a_tampered_run_record_never_raises_or_deletes_outside_the_runs_folder(victim):
    own = runs_root() / RUN_ID
    seed = seed_record(own)
    keys = sorted(json.loads(seed))
    names = ["../..", "..", str(victim), "20240101-000009", "preview.png", "", "a\x00b", "/etc/passwd"]

    @st.composite
    def records(draw: st.DrawFn) -> bytes:
        kind = draw(st.sampled_from(("bytes", "value", "name")))
        if kind == "bytes":
            return draw(mutated_bytes(seed, hot=len(seed)))
        record = json.loads(seed)
        key = draw(st.sampled_from((*keys, "whole")))
        if key == "whole":
            return json_dumps(draw(json_values())).encode("utf-8")
        record[key] = draw(st.sampled_from(names)) if kind == "name" else draw(json_values())
        return json_dumps(record).encode("utf-8")

    @FUZZ_SETTINGS
    @given(data=records())
    def case(data):
        own.mkdir(parents=True, exist_ok=True)
        write_case(own / RECORD_NAME, data)
        with no_hang():
            listing = list_runs()
            try:
                read_run(RUN_ID)
            except RunError as exc:
                assert_one_line(exc)
            for run in listing.runs:
                run.status_text(), run.selection(), run.resumable, run.finishable, run.preview_path
                delete_run(run)
        assert_untouched(victim)
        shutil.rmtree(own, ignore_errors=True)

    case()


def test_a_tampered_old_record_never_raises_or_deletes_anything(victim):
    runs = runs_root()
    own = runs / "20230101-000000"
    depth = len(runs.relative_to(runs.anchor).parts)
    folders = [str(p) for p in (victim, victim / "inner", runs / "..", runs.joinpath(*[".."] * depth),
                                runs / "20240101-000009", runs / "20240101-000009" / "inner", runs / "loop" / "x",
                                runs, runs / ".", user_data_dir(), own / ".." / "..", Path(runs.anchor), own)]
    folders += ["", ".", "relative"]
    seed = json.dumps({"config": {"out_dir": str(own), "steps": 10}, "choices": {"mode": "faithful"},
                       "started": "2024-01-01T00:00:00", "last_step": 5}).encode()

    @st.composite
    def records(draw: st.DrawFn) -> bytes:
        kind = draw(st.sampled_from(("folder", "values", "bytes")))
        if kind == "bytes":
            return draw(mutated_bytes(seed, hot=len(seed)))
        record = json.loads(seed)
        if kind == "folder":
            record["config"]["out_dir"] = draw(st.sampled_from(folders) | st.text(max_size=20))
        else:
            key = draw(st.sampled_from(("config", "choices", "started", "last_step", "out_dir", "whole")))
            if key == "whole":
                record = draw(json_values())
            elif key == "out_dir":
                record["config"]["out_dir"] = draw(json_values())
            else:
                record[key] = draw(json_values())
        return json_dumps(record).encode("utf-8")

    @FUZZ_SETTINGS
    @given(data=records())
    def case(data):
        (own / "sub").mkdir(parents=True, exist_ok=True)
        write_case(old_record_path(), data)
        with no_hang():
            migrated = migrate_old_record()
            assert migrated is None or migrated.folder == own
            list_runs()
        assert not old_record_path().exists()
        assert_untouched(victim) and (own / "sub").is_dir()
        (own / RECORD_NAME).unlink(missing_ok=True)

    case()
