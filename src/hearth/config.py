"""Settings: ``HEARTH_*`` environment variables, then an optional ``hearth.toml``, then defaults.

The defaults run everything on one machine: a SQLite file and the embedded MQTT broker
(a Mosquitto that hearth starts and watches when the program is installed, else amqtt
inside the process), both under the data directory (``var/``). Setting ``database_url``
to PostgreSQL and ``mqtt_url`` to an external broker is all it takes to run several
hearth processes.
"""

from __future__ import annotations

import os
import secrets
import shutil
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hearth.errors import ConfigError

SECRET_FILE = "secret_key"


def _config_file() -> Path:
    return Path(os.environ.get("HEARTH_CONFIG", "hearth.toml"))


class Settings(BaseSettings):
    """Everything an operator can set; read once at start-up."""

    model_config = SettingsConfigDict(env_prefix="HEARTH_", extra="forbid", frozen=True)

    data_dir: Path = Field(default=Path("var"), description="where hearth keeps its files")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data dir"
    )
    mqtt_url: str | None = Field(
        default=None,
        description="external broker, mqtt://user:pass@host:port; default: embedded broker",
    )
    embedded_mqtt_host: str = "127.0.0.1"
    embedded_mqtt_port: int = Field(default=1883, ge=0, le=65535)
    embedded_broker: Literal["auto", "mosquitto", "amqtt"] = Field(
        default="auto",
        description="the broker hearth runs when mqtt_url is not set: a Mosquitto process it "
        "starts and watches, or amqtt inside the process; auto: Mosquitto when installed",
    )
    mosquitto_program: str = Field(
        default="mosquitto", description="the Mosquitto program hearth starts (a name or a path)"
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    secret_key: SecretStr | None = Field(
        default=None, description="signs CSRF tokens; default: generated into the data dir"
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="true: mark every cookie Secure even on plain HTTP; over HTTPS they always are",
    )
    session_days: int = Field(default=30, ge=1, le=365)
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="bearer token Prometheus sends to /metrics; unset: /metrics is off",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="failed log-ins to one account from one address before that address "
        "must wait (the owner, from another address, still gets in)",
    )
    login_address_max_failures: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="failed log-ins from one address, to any accounts, before it must wait",
    )
    login_window_seconds: int = Field(
        default=900,
        ge=1,
        le=86_400,
        description="how long a failed log-in counts; a refused address waits until its "
        "failures are this old",
    )
    public_url: str | None = Field(
        default=None,
        description="where people reach hearth, for links in mail (https://hearth.example.com); "
        "default: http://http_host:http_port",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="the mail server, smtp://user:pass@host:587 (STARTTLS as smtp_starttls "
        "says) or smtps://user:pass@host:465 (TLS); default: mail is written to data_dir/mail",
    )
    smtp_starttls: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="for smtp:// URLs: upgrade with STARTTLS when the server offers it (auto), "
        "refuse to send without it (always), or never",
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, description="longest wait for the mail server"
    )
    mail_from: str = Field(
        default="hearth <hearth@localhost>",
        min_length=3,
        max_length=200,
        description="the From of every mail hearth sends",
    )
    mail_requests_per_address: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="password-reset or verification mails one address may ask for in the window",
    )
    mail_requests_per_client: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="password-reset or verification mails one client may ask for in the window",
    )
    mail_request_window_seconds: int = Field(
        default=3600, ge=1, le=86_400, description="how long a mail request counts"
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["console", "json"] = "console"
    workers: int = Field(default=1, ge=1, le=64, description="HTTP worker processes")
    database_pool_size: int = Field(
        default=32,
        ge=1,
        le=500,
        description="PostgreSQL connections each process keeps open (half as many more at a peak)",
    )
    commission_bp: int = Field(
        default=500, ge=0, le=10_000, description="platform commission in basis points (500 = 5%)"
    )
    payment_provider: Literal["sandbox"] = Field(
        default="sandbox", description="who moves the money; the built-in sandbox moves none"
    )
    sandbox_latency_ms: int = Field(
        default=0, ge=0, le=60_000, description="delay before each sandbox call, like a network"
    )
    history_days: int = Field(
        default=30, ge=1, le=3650, description="days device history is kept, every value"
    )
    history_5m_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="days five-minute rollups of device history are kept (day charts)",
    )
    history_hourly_days: int = Field(
        default=730,
        ge=1,
        le=36_500,
        description="days hourly rollups of device history are kept (week and longer charts)",
    )
    background: bool = Field(
        default=True,
        description="run background work here: device ingest and upkeep, scene timers, deadlines",
    )
    ingest: bool = Field(default=True, description="consume device traffic in this process")
    ingest_flush_ms: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="longest a device report waits to be written (and to trigger automations)",
    )
    mosquitto_dir: Path | None = Field(
        default=None, description="keep Mosquitto's password and ACL files here, current"
    )
    mosquitto_pid_file: Path | None = Field(
        default=None, description="Mosquitto's pid_file, to reload it after changes"
    )
    mosquitto_device_listener: str = Field(
        default="1883",
        description="the devices' listener in the generated Mosquitto config: 'PORT' (every "
        "address) or 'PORT ADDRESS'",
    )
    mosquitto_service_listener: str | None = Field(
        default=None,
        description="hearth's own listener in the generated Mosquitto config, 'PORT ADDRESS'; "
        "default: the port of mqtt_url on 127.0.0.1",
    )
    simulate_fleet: Path | None = Field(
        default=None, description="run the simulated devices of this fleet CSV in-process (demo)"
    )
    upload_max_bytes: int = Field(
        default=5_000_000, ge=1_000, le=100_000_000, description="largest image upload accepted"
    )
    s3_bucket: str | None = Field(
        default=None, description="keep uploads in this S3-compatible bucket; default: data dir"
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint (MinIO, Ceph...); default: AWS"
    )
    s3_region: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_prefix: str = Field(default="", description="key prefix inside the bucket")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = urlsplit(value).scheme
        if scheme in ("postgresql", "postgres"):
            return "postgresql+asyncpg" + value[len(scheme) :]
        if scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                "database_url must be sqlite+aiosqlite:///PATH or postgresql://USER@HOST/DB"
            )
        return value

    @field_validator("mqtt_url")
    @classmethod
    def _known_broker(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("mqtt_url must look like mqtt://user:password@host:1883")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _known_mail_server(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("smtp_url must look like smtp://user:password@host:587")
        return value

    @field_validator("public_url")
    @classmethod
    def _known_public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("public_url must look like https://hearth.example.com")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _rollups_outlast_history(self) -> Settings:
        if not self.history_days <= self.history_5m_days <= self.history_hourly_days:
            raise ValueError(
                "history_days, history_5m_days, history_hourly_days: each must be at most "
                f"the next (they are {self.history_days}, {self.history_5m_days}, "
                f"{self.history_hourly_days}); charts read the rollups where raw rows are gone"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hearth.db').resolve()}"

    @property
    def resolved_mosquitto_service_listener(self) -> str:
        """Return hearth's own Mosquitto listener: as set, else mqtt_url's port on 127.0.0.1
        (processes on other machines need it set to an address they can reach)."""
        if self.mosquitto_service_listener:
            return self.mosquitto_service_listener
        parts = urlsplit(self.mqtt_url or "")
        port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        return f"{port} 127.0.0.1"

    @property
    def resolved_public_url(self) -> str:
        """Return where people reach hearth (links in mail): as set, else the HTTP address."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::") else self.http_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.http_port}"

    @property
    def mail_dir(self) -> Path:
        """Where mail goes when no mail server is set: one .eml file per message."""
        return self.data_dir / "mail"

    @property
    def uses_embedded_broker(self) -> bool:
        return self.mqtt_url is None

    @cached_property
    def embedded_mosquitto(self) -> str | None:
        """Return the Mosquitto program to run as the embedded broker, or None for amqtt."""
        if self.mqtt_url is not None or self.embedded_broker == "amqtt":
            return None
        # Debian installs it in sbin, which is not on an ordinary user's PATH.
        found = shutil.which(self.mosquitto_program) or shutil.which(
            self.mosquitto_program, path="/usr/sbin:/usr/local/sbin"
        )
        if found is None and self.embedded_broker == "mosquitto":
            raise ConfigError(
                f"embedded_broker is 'mosquitto' but the program {self.mosquitto_program!r} "
                "is not installed (apt-get install mosquitto), or set embedded_broker to 'auto'"
            )
        return found

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @cached_property
    def secret(self) -> str:
        """Return the secret key, generating and storing one in the data dir on first use."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / SECRET_FILE
        try:
            if path.exists():
                return path.read_text().strip()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(key + "\n")
            return key
        except FileExistsError:
            return path.read_text().strip()
        except OSError as err:
            raise ConfigError(f"cannot keep the secret key in {path}: {err.strerror}") from err


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and ``hearth.toml``; explain what is wrong if invalid."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from err
