"""Shared pieces of the fuzz tests: Hypothesis profiles, byte and JSON mutations, the checks every case ends with.

Every parser of untrusted input (model files, images, checkpoints, the fine-tune record) gets
small valid seed files mutated in many ways; each case must end in a correct result or in the
app's own error with a one-line message, without a hang and without writing anything outside
its output folder.

Profiles (`SRGAN_FUZZ=...`, default "ci"):
  ci    CASES examples per parser, derandomized so every run tries the same cases
  slow  SLOW_CASES examples per parser, a fresh random draw every run
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CASES = 2000
SLOW_CASES = 20_000
CASE_SECONDS = 30          # one case running this long is a hang
TEST_SECONDS_BY_PROFILE = {"ci": 600, "slow": 6 * 3600}   # a whole fuzz test running this long: a hang in C

settings.register_profile(
    "ci", max_examples=CASES, derandomize=True, database=None, deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
settings.register_profile(
    "slow", max_examples=SLOW_CASES, derandomize=False, database=None, deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
PROFILE = os.environ.get("SRGAN_FUZZ", "ci")
FUZZ_SETTINGS = settings.get_profile(PROFILE)
# Whole upscales (decode, network, encode, atomic write) cost more: a tenth as many cases.
END_TO_END_SETTINGS = settings(FUZZ_SETTINGS, max_examples=max(100, FUZZ_SETTINGS.max_examples // 10))
TEST_SECONDS = TEST_SECONDS_BY_PROFILE.get(PROFILE, TEST_SECONDS_BY_PROFILE["slow"])


# --- the checks every case ends with ---------------------------------------------------------

def assert_one_line(error: BaseException) -> None:
    """The app's errors are one line meant for a person: no line break, not empty, not huge."""
    message = str(error)
    assert message.strip(), f"{type(error).__name__} without a message"
    assert "\n" not in message and "\r" not in message, f"multi-line message: {message!r}"
    assert len(message) < 1000, f"message of {len(message)} characters"


def files_in(folder: Path) -> list[str]:
    """Everything below `folder`, hidden files included, as sorted relative paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


class CaseTimeout(Exception):
    """One case ran far longer than any case should: a hang."""


@contextmanager
def no_hang(seconds: float = CASE_SECONDS) -> Iterator[None]:
    """Raise `CaseTimeout` inside a case that runs `seconds` (Hypothesis then shows the case).

    A timer signal costs a microsecond per case. It cannot stop C code that never returns to
    Python; `watchdog` (one per test) ends such a hang with a stack dump instead.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise CaseTimeout(f"one case ran for {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def watchdog(seconds: float = TEST_SECONDS) -> Iterator[None]:
    """Dump every thread's stack and exit if a whole fuzz test runs `seconds`: the last resort
    against a decoder looping inside C, where no Python-level timer fires."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def write_case(path: Path, data: bytes) -> Path:
    """Write one case's input. Removed first: overwriting a file in place makes ext4 flush it to
    disk on close (auto_da_alloc), 30x slower than a fresh file."""
    path.unlink(missing_ok=True)
    path.write_bytes(data)
    return path


# --- byte mutations ----------------------------------------------------------------------------

INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)
INTERESTING_WORDS = (0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
# Strategies are built once: building one costs more than drawing from it.
_EDIT_COUNT = {n: st.integers(1, n) for n in range(1, 9)}
_EDIT = st.sampled_from(("flip", "byte", "word", "insert", "delete", "repeat", "truncate"))
_BIT = st.integers(0, 7)
_BYTE = st.sampled_from(INTERESTING_BYTES) | st.integers(0, 255)
_WORD = st.sampled_from(INTERESTING_WORDS) | st.integers(0, 0xFFFFFFFF)
_ORDER = st.sampled_from(("little", "big"))
_INSERT = st.binary(min_size=1, max_size=16)
_SPAN = st.integers(1, 64)
_REGION = st.booleans()


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes, hot: int = 256, max_edits: int = 6, keep: int = 0) -> bytes:
    """`seed` with 1..max_edits edits: byte flips, interesting values, 32-bit values, insertions,
    deletions, duplicated runs, or a cut. Half the positions fall in the first `hot` bytes,
    where headers and chunk tables live; the first `keep` bytes (a format's signature, which
    only ever makes a file unrecognisable) are mostly left alone."""
    data = bytearray(seed)
    low = keep if draw(st.integers(0, 9)) else 0
    for _ in range(draw(_EDIT_COUNT[max_edits])):
        if not data:
            data += draw(_INSERT)
            continue
        first = min(low, len(data) - 1)
        last = max(first, (min(len(data), hot) if draw(_REGION) else len(data)) - 1)
        at = draw(st.integers(first, last))
        kind = draw(_EDIT)
        if kind == "flip":
            data[at] ^= 1 << draw(_BIT)
        elif kind == "byte":
            data[at] = draw(_BYTE)
        elif kind == "word":
            data[at:at + 4] = draw(_WORD).to_bytes(4, draw(_ORDER))
        elif kind == "insert":
            data[at:at] = draw(_INSERT)
        elif kind == "delete":
            del data[at:at + draw(_SPAN)]
        elif kind == "repeat":
            data[at:at] = data[at:at + draw(_SPAN)]
        else:
            del data[at:]
    return bytes(data)


# --- JSON values -------------------------------------------------------------------------------

EDGE_INTEGERS = (0, 1, -1, 2, 3, 4, 8, 16, 255, 256, 2**31 - 1, 2**31, 2**32, 2**53, 2**63 - 1, 2**63, 2**64,
                 10**18, 10**30, -(2**63))
EDGE_FLOATS = (0.0, -0.0, 0.5, 1.5, 1e308, -1e308, float("inf"), float("-inf"), float("nan"))


@cache
def json_scalars() -> st.SearchStrategy[Any]:
    return (st.none() | st.booleans() | st.sampled_from(EDGE_INTEGERS) | st.integers()
            | st.sampled_from(EDGE_FLOATS) | st.floats(allow_nan=True) | st.text(max_size=12))


@cache
def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, small: what a tampered file could put where anything else was expected.

    Built once: making a recursive strategy costs far more than drawing from it."""
    return st.recursive(json_scalars(), lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=8)


def json_dumps(value: Any) -> str:
    """JSON text as a writer other than Python's would make it too (NaN and Infinity allowed)."""
    return json.dumps(value, allow_nan=True)


# --- keeping a mutated file recognisable -------------------------------------------------------

def repair_png_checksums(data: bytes) -> bytes:
    """Every complete PNG chunk with its CRC recomputed, so a mutation reaches the decoder
    instead of stopping at Pillow's checksum test."""
    out, position = bytearray(data), 8
    while position + 12 <= len(out):
        length = int.from_bytes(out[position:position + 4], "big")
        end = position + 8 + length
        if end + 4 > len(out):
            break
        out[end:end + 4] = (zlib.crc32(out[position + 4:end]) & 0xFFFFFFFF).to_bytes(4, "big")
        position = end + 4
    return bytes(out)


def repair_riff_size(data: bytes) -> bytes:
    """A WebP whose RIFF header states the file's real size."""
    if len(data) < 12:
        return data
    return data[:4] + (len(data) - 8).to_bytes(4, "little") + data[8:]
