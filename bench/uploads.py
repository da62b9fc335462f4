"""Upload benchmark: product images through hearth's HTTP surface against raw storage writes.

In one process, on a fresh SQLite database in a temporary data dir:

1. *raw*: ``LocalStorage.put`` of the same image N times (what the disk alone costs);
2. *upload*: N multipart uploads to ``POST /api/v1/products/{id}/images`` through the
   real app (CSRF, session, type sniffing, size check, storage, one row per image), spread
   over drafts of 8 images each;
3. *serve*: N reads of ``GET /media/images/{id}`` (visibility check and storage read).

It prints each rate and the ratio of hearth's rates to the raw write rate. No timed asserts.

    .venv/bin/python bench/uploads.py [--images 400] [--kilobytes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from hearth import db  # noqa: E402
from hearth.accounts import service as accounts  # noqa: E402
from hearth.accounts.roles import Role  # noqa: E402
from hearth.bootstrap import Hearth  # noqa: E402
from hearth.config import Settings  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.kit.storage import LocalStorage  # noqa: E402
from hearth.mall import partners  # noqa: E402
from hearth.mall.demo import product_shot  # noqa: E402
from hearth.web.app import create_app  # noqa: E402

PASSWORD = "a-long-enough-password"


def image_of(kilobytes: int) -> bytes:
    """A real PNG padded with an ancillary chunk to the wanted size."""
    import struct
    import zlib

    base = product_shot((90, 150, 230), 160, 120)
    pad = os.urandom(max(0, kilobytes * 1000 - len(base)))
    chunk = b"teXt" + pad
    extra = struct.pack(">I", len(pad)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return base[:-12] + extra + base[-12:]  # before IEND


async def run(images: int, kilobytes: int) -> None:
    data = image_of(kilobytes)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'hearth.db'}",
            secret_key="bench-secret-key-that-is-long-enough-for-signing",
            upload_max_bytes=max(5_000_000, len(data) + 1),
        )
        engine = db.create_engine(settings.resolved_database_url, pool=False)
        await db.upgrade(engine)
        await engine.dispose()

        raw = LocalStorage(data_dir / "raw")
        started = time.perf_counter()
        for n in range(images):
            await raw.put(f"raw/img_{n}.png", data, content_type="image/png")
        raw_rate = images / (time.perf_counter() - started)

        hearth = Hearth.from_settings(settings)
        await hearth.start(mqtt=False)
        try:
            async with hearth.sessions() as session, session.begin():
                company = await partners.join_or_found(session, name="Bench Labs")
                await accounts.create_user(
                    session,
                    now=SystemClock().now(),
                    username="leo",
                    password=PASSWORD,
                    role=Role.PARTNER,
                    partner_id=company.id,
                )
            transport = httpx.ASGITransport(app=create_app(hearth=hearth))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                await http.get("/login")
                token = http.cookies["csrftoken"]
                headers = {"X-CSRFToken": token}
                await http.post(
                    "/api/v1/auth/login",
                    json={"username": "leo", "password": PASSWORD},
                    headers=headers,
                )
                products = []
                for n in range((images + 7) // 8):
                    made = await http.post(
                        "/api/v1/products",
                        json={"name": f"Bench {n}", "category": "lighting"},
                        headers=headers,
                    )
                    products.append(made.json()["id"])
                ids = []
                started = time.perf_counter()
                for n in range(images):
                    sent = await http.post(
                        f"/api/v1/products/{products[n // 8]}/images",
                        files={"image": ("x.png", data, "image/png")},
                        headers=headers,
                    )
                    assert sent.status_code == 201, sent.text
                    ids.append(sent.json()["id"])
                upload_rate = images / (time.perf_counter() - started)
                started = time.perf_counter()
                for image_id in ids:
                    served = await http.get(f"/media/images/{image_id}")
                    assert served.status_code == 200 and len(served.content) == len(data)
                serve_rate = images / (time.perf_counter() - started)
        finally:
            await hearth.stop()

    print(f"images: {images} of {len(data):,} bytes, SQLite, data-dir storage, one process")
    print(f"raw storage writes   {raw_rate:9.1f} /s")
    for label, rate in (
        ("uploads through HTTP", upload_rate),
        ("serves through HTTP ", serve_rate),
    ):
        print(f"{label} {rate:9.1f} /s   ratio to raw writes {rate / raw_rate:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--kilobytes", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.images, args.kilobytes))


if __name__ == "__main__":
    main()
