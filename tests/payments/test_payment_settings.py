"""Payment settings: the commission rate's bounds, the provider choice, sandbox latency."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hearth.bootstrap import Hearth
from hearth.config import load_settings
from hearth.errors import ConfigError
from hearth.payments.sandbox import SandboxProvider, build_provider


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HEARTH_COMMISSION_BP", "-1"),
        ("HEARTH_COMMISSION_BP", "10001"),
        ("HEARTH_COMMISSION_BP", "5%"),
        ("HEARTH_PAYMENT_PROVIDER", "paypal"),
        ("HEARTH_SANDBOX_LATENCY_MS", "-5"),
    ],
)
def test_impossible_payment_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name.removeprefix("HEARTH_").lower()):
        load_settings()


def test_defaults_are_five_percent_through_the_sandbox(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert (settings.commission_bp, settings.payment_provider) == (500, "sandbox")
    assert settings.sandbox_latency_ms == 0


async def test_the_sandbox_waits_its_latency_before_each_call(hearth: Hearth) -> None:
    settings = hearth.settings.model_copy(update={"sandbox_latency_ms": 200})
    provider = build_provider(settings, hearth.sessions)
    assert isinstance(provider, SandboxProvider)
    started = time.monotonic()
    await provider.create_customer(reference="usr_mia", idempotency_key="c")
    assert time.monotonic() - started >= 0.2
