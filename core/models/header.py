"""The safetensors header of a model file, parsed and checked by hand before any weights are read.

A model file is untrusted input: it may come from anywhere. Everything the header says is
checked here (a JSON object, metadata a table of text, every tensor a known dtype, a shape of
small non-negative integers and in-bounds offsets that match the shape), so a broken file is
refused with one line naming what is wrong instead of upsetting the code that reads it later.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_HEADER_BYTES = 100_000_000
MAX_DIMENSIONS = 8
# Bytes per element of each safetensors dtype (https://github.com/huggingface/safetensors).
DTYPE_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
               "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}


class HeaderError(ValueError):
    """The header is not a valid safetensors header; the message is one short phrase."""


@dataclass(frozen=True)
class TensorEntry:
    dtype: str
    shape: tuple[int, ...]
    begin: int                  # byte offsets into the data after the header, end-exclusive
    end: int


@dataclass(frozen=True)
class Header:
    metadata: dict[str, str]
    tensors: dict[str, TensorEntry]
    data_start: int             # where the tensor bytes start in the file


def read_header(path: str | os.PathLike) -> Header:
    """Parse and check the header of the safetensors file at `path`.

    Raises `HeaderError` for a file that is not a valid safetensors file (OSError when it
    cannot be read at all).
    """
    path = Path(path)
    size = os.stat(path).st_size
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise HeaderError("the file is empty or truncated")
        length = int.from_bytes(prefix, "little")
        if length <= 0 or 8 + length > size or length > MAX_HEADER_BYTES:
            raise HeaderError("the file is truncated or not a safetensors file")
        raw = f.read(length)
    header = _parse_json(raw)
    tensors = {name: _tensor_entry(name, value) for name, value in header.items() if name != "__metadata__"}
    data_end = max((t.end for t in tensors.values()), default=0)
    if 8 + length + data_end > size:
        raise HeaderError(f"the file is truncated ({size} bytes, its header needs {8 + length + data_end})")
    return Header(_metadata(header.get("__metadata__", {})), tensors, 8 + length)


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        header = json.loads(raw)
    except RecursionError:
        raise HeaderError("the header is corrupted (nested too deeply)") from None
    except ValueError:                        # bad JSON, bad UTF-8, a number too long to read
        raise HeaderError("the header is corrupted") from None
    if not isinstance(header, dict):
        raise HeaderError("the header is corrupted (not a JSON object)")
    return header


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise HeaderError("the header is corrupted (__metadata__ is not a table of text)")
    return value


def _tensor_entry(name: str, value: Any) -> TensorEntry:
    label = f"tensor {name[:60]!r}"
    if not isinstance(value, dict):
        raise HeaderError(f"the header is corrupted ({label} is not described)")
    dtype, shape, offsets = value.get("dtype"), value.get("shape"), value.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPE_SIZES:
        raise HeaderError(f"the header is corrupted ({label} has an unknown dtype)")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS
            or not all(_is_count(n) for n in shape)):
        raise HeaderError(f"the header is corrupted ({label} has an invalid shape)")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(n) for n in offsets):
        raise HeaderError(f"the header is corrupted ({label} has invalid data offsets)")
    begin, end = offsets
    if end - begin != math.prod(shape) * DTYPE_SIZES[dtype]:
        raise HeaderError(f"the header is corrupted ({label}: its offsets do not match its shape)")
    return TensorEntry(dtype, tuple(shape), begin, end)


def _is_count(value: Any) -> bool:
    """A non-negative JSON integer (not a boolean, which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
