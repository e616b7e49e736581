"""Atomic writes: all or nothing, and the files they leave are ordinary files (umask mode, not 0600)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.common.atomic import FolderNotWritable, write_atomically, write_bytes_atomically
from core.models.model_file import save_model
from core.training.checkpoint import save_checkpoint
from tests.helpers.tiny import tiny_generator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_model_files_and_checkpoints_get_the_umask_mode_like_any_other_file(tmp_path: Path) -> None:
    expected = 0o666 & ~_umask()                        # 0644 under the usual umask 022
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    model = save_model(tiny_generator(), tmp_path / "m.safetensors", name="m")
    checkpoint = save_checkpoint({"step": 0, "config": {}, "generator": {}}, tmp_path / "last.ckpt")
    assert _mode(model) == _mode(checkpoint) == _mode(plain) == expected
    if _umask() == 0o022:
        assert expected == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"previous")

    def fail_half_way(f) -> None:
        f.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, fail_half_way)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_missing_folders_are_made_and_an_impossible_one_is_named(tmp_path: Path) -> None:
    assert write_bytes_atomically(tmp_path / "a" / "b" / "c.bin", b"data").read_bytes() == b"data"
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(FolderNotWritable):
        write_bytes_atomically(tmp_path / "file.txt" / "c.bin", b"data")
