"""Fixtures of the home app's tests: a second browser and devices minted from the library."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.hub import identity
from hearth.hub.operator import ensure_products
from hearth.outbox import unit_of_work
from hearth.web.app import create_app


@pytest.fixture
async def other(hearth: Hearth) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, for a second person."""
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def mint(hearth: Hearth, model_id: str = "hearth.light.v1") -> identity.Minted:
    """Mint one unit of a built-in product; return its secrets (pairing code included)."""
    now = hearth.clock.now()
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        await ensure_products(session, now=now)
        (unit,) = await identity.mint(session, model_id=model_id, count=1, now=now)
    return unit
