"""Exceptions become one line for the user, whatever the library put in them."""

from __future__ import annotations

from pathlib import Path

from core.common.errors import first_line, reason_without_name


def test_first_line_of_a_long_multi_line_message() -> None:
    exc = ValueError("  bad header\nTraceback details\nmore  ")
    assert first_line(exc) == "bad header"
    assert first_line(ValueError("x" * 500)) == "x" * 200
    assert first_line(ValueError("x" * 500), limit=None) == "x" * 500


def test_an_empty_message_names_the_exception_type() -> None:
    assert first_line(EOFError()) == "EOFError"
    assert first_line(OSError("   \n  ")) == "OSError"


def test_reason_without_the_file_name_a_list_already_shows() -> None:
    path = Path("/photos/cat.png")
    assert reason_without_name(ValueError("cat.png: the file is truncated"), path) == "the file is truncated"
    assert reason_without_name(ValueError("/photos/cat.png: no such file"), path) == "no such file"
    assert reason_without_name(ValueError("dog.png: damaged"), path) == "dog.png: damaged"

