"""Atomic writes: all or nothing, and the files they leave are ordinary files (umask mode, not 0600)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.common.atomic import (
    PARTIAL_NAME,
    FolderNotWritable,
    remove_stale_partials,
    write_atomically,
    write_bytes_atomically,
)
from core.common.filelock import try_lock
from core.models.model_file import save_model
from core.training.checkpoint import save_checkpoint
from tests.helpers.images import aged_file
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


WRITER = """
import sys, time
from core.common.atomic import write_atomically

def slow(f):
    f.write(b"half an image")
    f.flush()
    print("writing", flush=True)
    time.sleep(120)

write_atomically(sys.argv[1], slow)
"""


@pytest.mark.skipif(os.name != "posix", reason="kill -9")
def test_a_partial_file_is_removed_only_once_its_writer_is_dead(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "photo_x4.png")],
                              stdout=subprocess.PIPE, env=env)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == b"writing"
        [partial] = tmp_path.iterdir()
        assert PARTIAL_NAME.fullmatch(partial.name)
        assert remove_stale_partials(tmp_path, older_than=0) == []        # its writer is still at work
    finally:
        writer.kill()
        writer.wait()
    assert remove_stale_partials(tmp_path, older_than=0) == [partial]     # killed -9: the lock went with it
    assert list(tmp_path.iterdir()) == []


def test_only_old_unlocked_files_with_the_exact_partial_name_are_removed(tmp_path: Path) -> None:
    ours = aged_file(tmp_path / ".photo_x4.png.a1b2_c3d.part")
    others = [aged_file(tmp_path / name) for name in
              (".photo.part", "photo.png.a1b2c3d4.part", ".photo.png.A1B2C3D4.part", ".photo.png.a1b2c3d.part",
               ".photo.png.a1b2c3d4.part.bak", "keep.png")]
    young = aged_file(tmp_path / ".young.png.a1b2c3d4.part", seconds=1)
    (tmp_path / ".folder.png.a1b2c3d4.part").mkdir()
    held = aged_file(tmp_path / ".held.png.a1b2c3d4.part")
    with open(held, "rb") as f:
        assert try_lock(f.fileno())                                        # a writer at work in this process
        assert remove_stale_partials(tmp_path) == [ours]
    assert all(p.exists() for p in [*others, young, held, tmp_path / ".folder.png.a1b2c3d4.part"])
    assert remove_stale_partials(tmp_path) == [held]
