"""Certification tests run on hearth's default embedded broker and on a real Mosquitto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.hub.conftest import RIGS, Rig, running_rig


@pytest.fixture(params=RIGS)
async def rig(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> AsyncIterator[Rig]:
    """A hearth on the default embedded broker and on an external Mosquitto (the amqtt
    fallback is covered by the device cloud's own tests)."""
    async with running_rig(request.param, tmp_path, database_url) as built:
        yield built
