"""Reset-request timing: does ``POST /api/v1/auth/password/forgot`` tell, by how long it
takes, whether an address has an account?

The answer's words are the same for every address; this measures the time. In one process,
on a fresh SQLite database, through the real app, it alternates requests for the address
of a verified account (a link is issued and a letter queued) and for addresses nobody has
(only the request is counted), with the clock moved on between requests so the throttle
never answers instead. It prints the median, the quickest and the 90th percentile of each,
and the ratio of the unknown address's median to the known one's: near 1 means the time
tells little; a password hash on one path only would show as a ratio far below 1.
No timed asserts.

    .venv/bin/python bench/reset_timing.py [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import update  # noqa: E402

from hearth import db  # noqa: E402
from hearth.accounts import service as accounts  # noqa: E402
from hearth.accounts.models import User  # noqa: E402
from hearth.bootstrap import Hearth  # noqa: E402
from hearth.config import Settings  # noqa: E402
from hearth.kit.clock import FrozenClock, SystemClock  # noqa: E402
from hearth.logs import configure_logging  # noqa: E402
from hearth.web.app import create_app  # noqa: E402

PASSWORD = "a-long-enough-password"
KNOWN = "mia@example.com"


def figures(label: str, spent: list[float]) -> str:
    ordered = sorted(spent)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (
        f"{label:<16} median {statistics.median(ordered) * 1000:7.2f} ms"
        f"   quickest {ordered[0] * 1000:7.2f} ms   p90 {p90 * 1000:7.2f} ms"
    )


async def run(requests: int) -> None:
    configure_logging("warning", "console")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'hearth.db'}",
            secret_key="bench-secret-key-that-is-long-enough-for-signing",
        )
        engine = db.create_engine(settings.resolved_database_url, pool=False)
        await db.upgrade(engine)
        await engine.dispose()
        hearth = Hearth.from_settings(settings)
        await hearth.start(mqtt=False)
        try:
            now = SystemClock().now()
            async with hearth.sessions() as session, session.begin():
                mia = await accounts.create_user(
                    session, now=now, username="mia", password=PASSWORD, email=KNOWN
                )
                await session.execute(
                    update(User).where(User.id == mia.id).values(email_verified_at=now)
                )
            spent: dict[str, list[float]] = {"known address": [], "unknown address": []}
            transport = httpx.ASGITransport(app=create_app(hearth=hearth))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                await http.get("/login")
                headers = {"X-CSRFToken": http.cookies["csrftoken"]}
                for n in range(requests):
                    for label, email in (
                        ("known address", KNOWN),
                        ("unknown address", f"nobody{n}@example.com"),
                    ):
                        now += timedelta(hours=2)  # past every throttle window
                        hearth.clock = FrozenClock(now)
                        started = time.perf_counter()
                        answer = await http.post(
                            "/api/v1/auth/password/forgot", json={"email": email}, headers=headers
                        )
                        spent[label].append(time.perf_counter() - started)
                        if answer.status_code != 202:
                            raise SystemExit(f"{label}: {answer.status_code} {answer.text}")
        finally:
            await hearth.stop()

    print(f"{requests} requests each, alternating, SQLite, one process, through the app")
    for label, times in spent.items():
        print(figures(label, times))
    ratio = statistics.median(spent["unknown address"]) / statistics.median(spent["known address"])
    print(f"ratio of medians (unknown / known): {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.requests))


if __name__ == "__main__":
    main()
