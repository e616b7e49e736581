"""Durations and counts read the same in the CLI and the app, the way people say them."""

from core.common.formatting import format_count, format_duration


def test_durations_read_like_people_say_them():
    assert format_duration(12.4) == "12 s"
    assert format_duration(75) == "1 min 15 s"
    assert format_duration(600) == "10 min"
    assert format_duration(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert format_duration(3 * 3600 + 61) == "3 h 1 min"
    assert format_duration(-3) == "0 s"


def test_unknown_durations_are_a_dash_not_a_number():
    assert format_duration(None) == "--"
    assert format_duration(float("inf")) == "--"
    assert format_duration(float("nan")) == "--"


def test_counts_are_short():
    assert format_count(3) == "3"
    assert format_count(12_400) == "12.4k"
    assert format_count(3_100_000) == "3.1M"


def test_durations_in_words_never_look_like_a_clock_time():
    assert format_duration(4, rounded=True) == "a few seconds"
    assert format_duration(42, rounded=True) == "about 40 seconds"
    assert format_duration(70, rounded=True) == "about a minute"
    assert format_duration(5 * 60 + 20, rounded=True) == "about 5 minutes"
    assert format_duration(19 * 60 + 33, rounded=True) == "about 20 minutes"
    assert format_duration(3600, rounded=True) == "about 1 hour"
    assert format_duration(3600 + 19 * 60, rounded=True) == "about 1 hour 20 minutes"
    assert format_duration(2 * 3600 + 2 * 60, rounded=True) == "about 2 hours"
    assert format_duration(None, rounded=True) == "an unknown time"
