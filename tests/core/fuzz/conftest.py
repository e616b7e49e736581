"""Every fuzz test runs under a watchdog that ends a hang inside C code with a stack dump."""

from __future__ import annotations

import pytest

from tests.helpers.fuzz import watchdog


@pytest.fixture(autouse=True)
def hang_watchdog():
    with watchdog():
        yield
