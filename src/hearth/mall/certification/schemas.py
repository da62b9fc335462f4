"""Request and response models of the certification API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from hearth.mall.certification.service import DeviceKind


class CertificationRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: DeviceKind = DeviceKind.SIMULATED


class CertificationRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    product_id: str
    spec_version: int
    device: str
    device_id: str | None
    status: str
    reason: str
    total: int
    passed: int
    failed: int
    started_at: datetime
    finished_at: datetime | None


class CertificationRunDetail(CertificationRunOut):
    report: dict[str, Any] | None


class CertificationTestUnit(BaseModel):
    """Credentials a real device connects with for this run (shown this once)."""

    device_id: str
    model: str
    secret: str
    host: str
    port: int


class CertificationStartedOut(BaseModel):
    run: CertificationRunOut
    unit: CertificationTestUnit | None = None
