"""Shared steps of mall tests: a reviewer, an approved partner, a draft, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from hearth.accounts import service as accounts
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.web.app import create_app
from tests.helpers import PASSWORD, csrf_token, login, post_json, signup

MIOT = Path(__file__).resolve().parents[1] / "fixtures" / "miot"
PURIFIER = json.loads(
    (MIOT / "urn.miot-spec-v2.device.air-purifier.0000A007.zhimi-v3.1.json").read_text()
)


def png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (255, 106, 0)) -> bytes:
    """Return a real PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def client_for(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def staff(hearth: Hearth, username: str, role: Role = Role.REVIEWER) -> httpx.AsyncClient:
    """Create a reviewer (or admin) account and return a client signed in as it."""
    async with hearth.sessions() as session, session.begin():
        await accounts.create_user(
            session, now=datetime.now(UTC), username=username, password=PASSWORD, role=role
        )
    client = client_for(hearth)
    assert (await login(client, username)).status_code == 200
    return client


async def fan(hearth: Hearth, username: str) -> httpx.AsyncClient:
    client = client_for(hearth)
    await signup(client, username)
    return client


async def approved_partner(
    hearth: Hearth, reviewer: httpx.AsyncClient, username: str, company: str
) -> httpx.AsyncClient:
    """Sign up, apply for ``company`` and have ``reviewer`` approve it."""
    client = await fan(hearth, username)
    applied = await post_json(
        client,
        "/api/v1/partners/applications",
        {"name": company, "contact_email": f"hi@{username}.example", "categories": ["climate"]},
    )
    assert applied.status_code == 201, applied.text
    decided = await post_json(
        reviewer,
        f"/api/v1/partners/applications/{applied.json()['id']}/decision",
        {"approve": True},
    )
    assert decided.status_code == 200, decided.text
    return client


async def draft(partner: httpx.AsyncClient, name: str = "Clean Air 3") -> str:
    """Create a draft product with a MIoT spec; return its id."""
    response = await post_json(
        partner,
        "/api/v1/products",
        {
            "name": name,
            "category": "climate",
            "description": "A quiet purifier",
            "miot": PURIFIER,
            "retail_price": "899.00",
            "campaign_goal": "100000.00",
        },
    )
    assert response.status_code == 201, response.text
    product_id: str = response.json()["id"]
    return product_id


async def move(client: httpx.AsyncClient, product_id: str, **body: Any) -> httpx.Response:
    return await post_json(client, f"/api/v1/products/{product_id}/transitions", body)


async def upload(
    client: httpx.AsyncClient,
    url: str,
    data: bytes,
    *,
    field: str = "image",
    filename: str = "photo.png",
    content_type: str = "image/png",
    method: str = "POST",
) -> httpx.Response:
    """Send a multipart upload with the CSRF header a browser page would send."""
    headers = {"X-CSRFToken": await csrf_token(client)}
    files = {field: (filename, data, content_type)}
    return await client.request(method, url, files=files, headers=headers)


async def certify(
    client: httpx.AsyncClient, product_id: str, *, within: float = 30.0
) -> dict[str, Any]:
    """Run the certification suite on a simulated device of the product; return the run."""
    started = await post_json(client, f"/api/v1/products/{product_id}/certifications", {})
    assert started.status_code == 202, started.text
    run_id = started.json()["run"]["id"]
    deadline = asyncio.get_running_loop().time() + within
    while True:
        run: dict[str, Any] = (await client.get(f"/api/v1/certifications/{run_id}")).json()
        if run["status"] != "running":
            return run
        assert asyncio.get_running_loop().time() < deadline, f"run still running: {run}"
        await asyncio.sleep(0.05)
