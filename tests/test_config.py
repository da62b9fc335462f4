"""Settings: environment, hearth.toml, defaults, and the generated secret key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hearth.config import load_settings
from hearth.errors import ConfigError


def test_defaults_run_everything_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'hearth.db'}"
    assert settings.uses_embedded_broker
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8000)


def test_environment_overrides_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text('http_port = 9001\nmqtt_url = "mqtt://broker.local:1883"\n')
    monkeypatch.setenv("HEARTH_CONFIG", str(config))
    monkeypatch.setenv("HEARTH_HTTP_PORT", "9002")
    settings = load_settings()
    assert settings.http_port == 9002
    assert settings.mqtt_url == "mqtt://broker.local:1883"
    assert not settings.uses_embedded_broker


def test_plain_postgresql_urls_get_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_DATABASE_URL", "postgresql://hearth@db/hearth")
    assert load_settings().resolved_database_url == "postgresql+asyncpg://hearth@db/hearth"


@pytest.mark.parametrize(
    ("name", "value", "mentions"),
    [
        ("HEARTH_DATABASE_URL", "mysql://x/y", "database_url"),
        ("HEARTH_MQTT_URL", "http://broker", "mqtt_url"),
        ("HEARTH_HTTP_PORT", "eighty", "http_port"),
    ],
)
def test_invalid_settings_name_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, mentions: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=mentions):
        load_settings()


def test_unknown_keys_in_toml_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text("htp_port = 1\n")
    monkeypatch.setenv("HEARTH_CONFIG", str(config))
    with pytest.raises(ConfigError, match="htp_port"):
        load_settings()


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path / "var")
    key = first.secret
    path = tmp_path / "var" / "secret_key"
    assert len(key) >= 40
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_settings(data_dir=tmp_path / "var").secret == key


def test_explicit_secret_key_wins(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "var", secret_key="s" * 50)
    assert settings.secret == "s" * 50
    assert not (tmp_path / "var" / "secret_key").exists()


def test_the_embedded_broker_is_mosquitto_where_installed_else_amqtt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    found = load_settings().embedded_mosquitto  # the tests have Mosquitto installed
    assert found is not None and Path(found).name == "mosquitto"
    missing = str(tmp_path / "no-such-mosquitto")
    assert load_settings(mosquitto_program=missing).embedded_mosquitto is None  # amqtt
    assert load_settings(embedded_broker="amqtt").embedded_mosquitto is None
    assert load_settings(mqtt_url="mqtt://broker.local:1883").embedded_mosquitto is None
    with pytest.raises(ConfigError, match="not installed"):
        _ = load_settings(embedded_broker="mosquitto", mosquitto_program=missing).embedded_mosquitto


def test_rollups_of_history_must_be_kept_at_least_as_long_as_what_they_sum_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_HISTORY_DAYS", "120")
    with pytest.raises(ConfigError, match="history_5m_days"):
        load_settings()
    monkeypatch.setenv("HEARTH_HISTORY_5M_DAYS", "120")
    assert load_settings().history_hourly_days == 730
    monkeypatch.setenv("HEARTH_HISTORY_HOURLY_DAYS", "100")
    with pytest.raises(ConfigError, match="history_hourly_days"):
        load_settings()
