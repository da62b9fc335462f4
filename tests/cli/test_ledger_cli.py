"""``hearth ledger``: the report, a statement and the check, run as the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hearth import db
from hearth.accounts.roles import Role
from hearth.config import Settings
from hearth.kit.clock import utcnow
from hearth.kit.money import Money
from hearth.payments import charges
from hearth.payments.sandbox import SandboxProvider
from hearth.services import migrate
from tests.helpers import create_account


def hearth(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(data_dir),
        "HEARTH_CONFIG": str(data_dir / "none.toml"),
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, "-m", "hearth.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


@pytest.fixture
async def data_dir(tmp_path: Path) -> Path:
    """A data dir whose database holds one 199.00 sale by Lumi Labs, 50.00 of it refunded."""
    settings = Settings(data_dir=tmp_path)
    await migrate(settings)
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    sessions = db.session_factory(engine)
    try:
        async with db.transaction(sessions) as session:
            member = await create_account(session, "leo", role=Role.PARTNER, company="Lumi Labs")
        sandbox = SandboxProvider(sessions)
        customer = await sandbox.create_customer(reference="usr_mia", idempotency_key="c")
        card = await sandbox.save_payment_method(
            customer_id=customer.id, token="4242424242424242", idempotency_key="m"
        )
        charged = await charges.charge(
            sessions,
            sandbox,
            customer_id=customer.id,
            method_id=card.id,
            amount=Money(19900, "CNY"),
            partner_id=str(member.partner_id),
            reference="pledge-1",
            idempotency_key="p",
            commission_bp=500,
            now=utcnow(),
        )
        await charges.refund(
            sessions,
            sandbox,
            payment_id=charged.payment.id,
            idempotency_key="r",
            amount=Money(5000, "CNY"),
            now=utcnow(),
        )
    finally:
        await engine.dispose()
    return tmp_path


def test_report_shows_the_flows_and_what_is_owed(data_dir: Path) -> None:
    result = hearth("ledger", "report", "--currency", "CNY", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    for figure in ("¥199.00", "¥50.00", "Lumi Labs", "✓ the books balance"):
        assert figure in result.stdout, figure
    # commission 9.95; 50.00 of 199.00 refunded: the platform keeps 995 × 149/199 = 7.45
    assert "¥7.45" in result.stdout


def test_statement_finds_a_partner_by_name(data_dir: Path) -> None:
    result = hearth("ledger", "statement", "Lumi Labs", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "opening balance" in result.stdout
    assert "capture" in result.stdout and "refund" in result.stdout
    assert "¥141.55" in result.stdout  # 189.05 less the partner's 47.50 of the refund


def test_check_confirms_the_books_balance(data_dir: Path) -> None:
    result = hearth("ledger", "check", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "the books balance (CNY)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ledger", "report", "--currency", "XXQ"], "ISO 4217"),
        (["ledger", "report", "--since", "last tuesday"], "not a date"),
        (["ledger", "statement", "Nobody Inc"], "no partner"),
    ],
)
def test_bad_input_exits_with_2_and_says_why(data_dir: Path, args: list[str], message: str) -> None:
    result = hearth(*args, data_dir=data_dir)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
