"""Taking a model file apart and putting it back together, to make broken ones on purpose."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.models.model_file import METADATA_KEY


def split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """(the JSON header, the tensor bytes after it) of a safetensors file."""
    length = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + length]), data[8 + length:]


def join(header: dict[str, Any] | bytes, body: bytes) -> bytes:
    """A safetensors file from a header (a dict, or raw header bytes) and tensor bytes."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode("utf-8")
    return len(raw).to_bytes(8, "little") + raw + body


def description(header: dict[str, Any]) -> dict[str, Any]:
    """The model's self-description inside a header."""
    return json.loads(header["__metadata__"][METADATA_KEY])


def with_description(header: dict[str, Any], desc: dict[str, Any] | str) -> dict[str, Any]:
    """The header with the self-description replaced (a dict, or the raw JSON text)."""
    text = desc if isinstance(desc, str) else json.dumps(desc)
    return {**header, "__metadata__": {**header["__metadata__"], METADATA_KEY: text}}


def rewrite(path: Path, header: dict[str, Any] | bytes, body: bytes | None = None) -> Path:
    """Write `path` again with another header (and the same tensor bytes unless given)."""
    _, old_body = split(path.read_bytes())
    path.write_bytes(join(header, old_body if body is None else body))
    return path
