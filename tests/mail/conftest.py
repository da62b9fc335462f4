"""Fixtures of the mail tests: a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp import SmtpServer, run_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with run_smtp() as server:
        yield server
