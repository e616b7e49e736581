"""Fuzzing the fine-tune run record, a JSON file in the user's data folder that anyone can edit.

Reading it, asking whether a run can be resumed, and clearing it with its checkpoints must
never raise, and must never delete anything outside the wizard's runs folder, whatever
folder a tampered record names ('..', links, absolute paths, the runs folder itself).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.common.paths import user_data_dir
from core.finetune.runs import clear_run_record, has_resumable_run, read_run_record, record_path
from tests.helpers.fuzz import FUZZ_SETTINGS, json_dumps, json_values, mutated_bytes, no_hang, write_case

pytestmark = pytest.mark.fuzz


def test_a_tampered_run_record_never_raises_or_deletes_outside_the_runs_folder(tmp_path):
    runs = user_data_dir() / "finetune" / "runs"
    victim = tmp_path / "victim"
    (victim / "inner").mkdir(parents=True)
    (victim / "inner" / "precious.txt").write_text("keep me")
    runs.mkdir(parents=True)
    (runs / "link").symlink_to(victim, target_is_directory=True)
    (runs / "loop").symlink_to(runs / "loop")
    own = runs / "20240101-000000"
    depth = len(runs.relative_to(runs.anchor).parts)
    folders = [str(p) for p in (victim, victim / "inner", runs / "..", runs.joinpath(*[".."] * depth),
                                runs / "link", runs / "link" / "inner", runs / "loop" / "x", runs, runs / ".",
                                user_data_dir(), own / ".." / "..", Path(runs.anchor), own)] + ["", ".", "relative"]
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
        write_case(record_path(), data)
        with no_hang():
            record = read_run_record()
            assert record is None or isinstance(record.out_dir, Path)
            has_resumable_run()
            clear_run_record(delete_checkpoints=True)
        assert not record_path().exists()
        assert (victim / "inner" / "precious.txt").read_text() == "keep me"
        assert os.path.islink(runs / "link") and record_path().parent.is_dir()

    case()
