"""A Mosquitto that asks for a password, as hearth's brokers do, and a polling helper."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hearth.hub.acl import mosquitto_passwords
from hearth.hub.credentials import hash_secret
from tests.servers import Mosquitto, start_mosquitto, stop_mosquitto

USERNAME = "hearth-test"
PASSWORD = "correct horse battery staple"


def security(directory: Path) -> str:
    """Write a password file for ``USERNAME``; return the configuration that enforces it."""
    passwords = directory / "passwd"
    passwords.write_text(mosquitto_passwords([(USERNAME, hash_secret(PASSWORD))]))
    return f"allow_anonymous false\npassword_file {passwords}\n"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto that lets in one user, by password."""
    directory = tmp_path / "mosquitto"
    directory.mkdir()
    running = start_mosquitto(directory, security(directory))
    try:
        yield running
    finally:
        stop_mosquitto(running)


async def until(check: Callable[[], bool], within: float = 10.0) -> None:
    """Poll ``check()`` until it is true; fail if it is not within ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {within} s")
        await asyncio.sleep(0.02)
