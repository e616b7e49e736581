"""The command-line progress bar: percentage, rate and ETA, and short logs when not on a terminal."""

from __future__ import annotations

import io

from core.cli.progress import ProgressBar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_output_is_throttled_and_ends_with_the_total():
    stream = io.StringIO()
    bar = ProgressBar(200, label="train", unit="step", stream=stream, log_every=60)
    bar.update(100, extra="loss 0.5", rate=10.0)
    bar.update(150, rate=10.0)                       # within log_every: not written
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert "50%" in lines[0] and "10 step/s" in lines[0] and "ETA 10 s" in lines[0] and "loss 0.5" in lines[0]
    assert "75%" in lines[1]


def test_terminal_redraws_in_place_and_messages_do_not_garble_it():
    stream = FakeTerminal()
    bar = ProgressBar(10, label="upscale", stream=stream)
    bar.update(5, force=True)
    bar.message("failed a.png: damaged")
    bar.update(10, force=True)
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\rupscale [") and "\rfailed a.png: damaged\n" in text and text.endswith("\n")
    assert "100%" in text.rsplit("\r", 1)[-1]
