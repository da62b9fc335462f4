"""A flash sale on a real PostgreSQL: seed a live campaign with a limited tier and many fans
(each with an API token and a saved sandbox card), and run several ``hearth serve``
processes on free 127.0.0.1 ports. Used by the flash-sale tests and bench/flash_sale.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.funding import campaigns, launches, pledges
from hearth.funding.models import CampaignTier
from hearth.funding.schemas import CampaignTierIn, NewCampaignIn
from hearth.kit.clock import utcnow
from hearth.kit.ports import free_port
from hearth.mall.models import Product
from hearth.outbox import discard, unit_of_work
from hearth.payments.sandbox import SandboxProvider
from tests.helpers import create_account
from tests.servers import wait_for_port

PASSWORD = "a-long-enough-password"
ADDRESS = {
    "name": "Fan",
    "line1": "1 Road",
    "city": "Shenzhen",
    "postal_code": "518000",
    "country": "CN",
}


@dataclass(frozen=True)
class Backer:
    token: str
    card_id: str


@dataclass(frozen=True)
class Sale:
    campaign_id: str
    tier_id: str
    backers: list[Backer]


async def seed_sale(
    url: str, *, fans: int, limit: int, per_backer: int = 1, goal: str = "1000.00"
) -> Sale:
    """Create a live campaign whose first tier offers ``limit`` units, and ``fans`` backers."""
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    now = utcnow()
    try:
        # Seeded before any server runs: there is nobody to tell of the campaign's moves.
        async with unit_of_work(sessions, discard) as session:
            leo = await create_account(
                session, "leo", role=Role.PARTNER, company="Lumi Labs", password=PASSWORD
            )
            ada = await create_account(session, "ada", role=Role.REVIEWER, password=PASSWORD)
            first = await accounts.create_user(
                session, now=datetime.now(UTC), username="fan0", password=PASSWORD
            )
            product = Product(
                partner_id=leo.partner_id,
                name="Lumi Band",
                category="health",
                description="",
                spec_version=1,
                retail_price=19900,
                currency="CNY",
                campaign_goal=100000,
                campaign_days=30,
                state="approved",
            )
            session.add(product)
            await session.flush()
            draft = NewCampaignIn(
                product_id=product.id,
                title="Lumi Band flash sale",
                goal=goal,
                starts_at=now - timedelta(minutes=1),
                ends_at=now + timedelta(hours=2),
                delivery_date=now + timedelta(days=60),
                tiers=[
                    CampaignTierIn(
                        title="Fan day",
                        price="99.00",
                        retail_price="199.00",
                        limit=limit,
                        per_backer=per_backer,
                    ),
                    CampaignTierIn(title="Standard", price="149.00", retail_price="199.00"),
                ],
            )
            made = await campaigns.create_campaign(session, user=leo, draft=draft, now=now)
            await launches.launch(session, partner=leo, reviewer=ada, campaign_id=made.id, now=now)
            tier = (await campaigns.view(session, user=leo, campaign_id=made.id)).tiers[0]
            users = [first]
            for number in range(1, fans):  # one password hash for all: argon2 is slow on purpose
                user = User(
                    username=f"fan{number}",
                    display_name=f"Fan {number}",
                    password_hash=first.password_hash,
                    role="fan",
                    created_at=now,
                )
                session.add(user)
                users.append(user)
            await session.flush()
            tokens = [
                (await accounts.create_token(session, user=u, name="sale", now=now))[1]
                for u in users
            ]
        provider = SandboxProvider(sessions)
        backers = []
        for user, token in zip(users, tokens, strict=True):
            card = await pledges.save_card(
                sessions,
                provider,
                user_id=user.id,
                token="4242424242424242",
                idempotency_key="c",
                now=now,
            )
            backers.append(Backer(token, card.id))
        return Sale(made.id, tier.id, backers)
    finally:
        await engine.dispose()


async def tier_row(url: str, tier_id: str) -> CampaignTier:
    engine = db.create_engine(url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            row = await session.get(CampaignTier, tier_id)
            assert row is not None
            return row
    finally:
        await engine.dispose()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    url: str

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_workers(
    database_url: str, count: int, directory: Path, mqtt_url: str | None = None
) -> list[Worker]:
    """Start ``count`` hearth processes against one database, and one broker if
    ``mqtt_url`` is given (else each runs its embedded one); return when all listen."""
    directory.mkdir(parents=True, exist_ok=True)
    started: list[tuple[subprocess.Popen[bytes], int]] = []
    for number in range(count):
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
            "HEARTH_DATA_DIR": str(directory / "var"),
            "HEARTH_CONFIG": str(directory / "none.toml"),
            "HEARTH_DATABASE_URL": database_url,
            "HEARTH_HTTP_HOST": "127.0.0.1",
            "HEARTH_HTTP_PORT": str(port),
            "HEARTH_EMBEDDED_MQTT_PORT": str(free_port()),
            **({"HEARTH_MQTT_URL": mqtt_url} if mqtt_url else {}),
            "HEARTH_LOG_LEVEL": "warning",
            "HEARTH_SECRET_KEY": "flash-sale-secret-key-that-is-long-enough-for-hmac",
        }
        with open(directory / f"worker-{number}.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "hearth.cli.main", "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append((process, port))
    workers = [Worker(process, f"http://127.0.0.1:{port}") for process, port in started]
    try:
        for _, port in started:
            wait_for_port(port, 60)
    except BaseException:
        for worker in workers:  # none may outlive a start that failed
            worker.stop()
        raise
    return workers
