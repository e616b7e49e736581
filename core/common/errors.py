"""Exceptions shown to people: one short line, the file name said once."""

from __future__ import annotations

import os

MESSAGE_LIMIT = 200


def first_line(exc: BaseException, limit: int | None = MESSAGE_LIMIT) -> str:
    """The first line of `exc`'s message (its type name when the message is empty), cut to `limit`.

    Library errors (Pillow, torch, safetensors) can span many lines or none; a status line,
    a skip list or a CLI error wants one.
    """
    text = str(exc).strip() or type(exc).__name__
    line = text.splitlines()[0]
    return line if limit is None else line[:limit]


def reason_without_name(exc: BaseException, path: str | os.PathLike, limit: int | None = MESSAGE_LIMIT) -> str:
    """`first_line(exc)` without the leading "<path>: " or "<name>: " it may start with.

    For lists that already show the file beside its reason (batch summaries, skipped photos).
    """
    text = first_line(exc, None)
    full = os.fspath(path)
    for prefix in (f"{full}: ", f"{os.path.basename(full)}: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text if limit is None else text[:limit]
