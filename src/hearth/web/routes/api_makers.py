"""JSON API of the device cloud for makers: products, minting units, secrets, revocation.

Partners manage their own products; platform operators (reviewers, admins) all of them.
Mounted under ``/api/v1``. A product or device that is not the caller's answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.hub import catalog, identity
from hearth.hub.models import Device, DeviceModel
from hearth.web.deps import NowDep, SessionDep, requires

router = APIRouter(tags=["device makers"])
Maker = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]


class ModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    spec_version: int
    partner_id: str | None
    created_at: datetime
    updated_at: datetime


class MintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=identity.MAX_MINT)


class MintedOut(BaseModel):
    device_id: str
    model: str
    secret: str = Field(description="for the device's firmware; shown only in this response")
    pairing_code: str = Field(description="for the label")
    qr: str = Field(description="what the label's QR code encodes")


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    model_id: str
    status: str
    batch: str
    bound: bool
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, device: Device) -> UnitOut:
        return cls(
            id=device.id, model_id=device.model_id, status=device.status, batch=device.batch,
            bound=device.home_id is not None, created_at=device.created_at,
            revoked_at=device.revoked_at,
        )  # fmt: skip


class SecretOut(BaseModel):
    device_id: str
    secret: str = Field(description="the new secret; the old one no longer works")


@router.get("/device-models", response_model=list[ModelOut])
async def list_models(user: Maker, session: SessionDep) -> list[DeviceModel]:
    """List the products you may manage."""
    return await catalog.list_models(session, by=user)


@router.post("/device-models", response_model=ModelOut, status_code=status.HTTP_201_CREATED)
async def register_model(
    user: Maker, session: SessionDep, now: NowDep, document: Annotated[dict[str, Any], Body()]
) -> DeviceModel:
    """Register a product from its native spec (or move it to a newer spec version)."""
    model, _ = await catalog.register_model(session, document=document, by=user, now=now)
    return model


@router.post("/device-models/{model_id}/units", status_code=status.HTTP_201_CREATED)
async def mint_units(
    model_id: str, body: MintIn, request: Request, user: Maker, session: SessionDep, now: NowDep,
) -> Any:  # fmt: skip
    """Mint units of a product: ids, secrets and pairing codes, shown only this once.

    Ask for ``text/csv`` to get the factory's CSV instead of JSON.
    """
    units = await identity.mint(session, model_id=model_id, count=body.count, by=user, now=now)
    if "text/csv" in request.headers.get("accept", ""):
        return Response(
            identity.factory_csv(units),
            media_type="text/csv",
            status_code=status.HTTP_201_CREATED,
            headers={"Content-Disposition": f'attachment; filename="{model_id}-units.csv"'},
        )
    return [
        MintedOut(
            device_id=u.device_id,
            model=u.model_id,
            secret=u.secret,
            pairing_code=u.pairing_code,
            qr=u.qr,
        )  # fmt: skip
        for u in units
    ]


@router.get("/device-models/{model_id}/units", response_model=list[UnitOut])
async def list_units(model_id: str, user: Maker, session: SessionDep) -> list[UnitOut]:
    """List a product's newest units (without secrets)."""
    return [UnitOut.of(d) for d in await identity.list_units(session, model_id=model_id, by=user)]


@router.post("/device-units/{device_id}/secret", response_model=SecretOut)
async def rotate_secret(
    device_id: str, user: Maker, session: SessionDep, now: NowDep,
) -> SecretOut:  # fmt: skip
    """Give a unit a new secret; the old one stops working and a connected unit is dropped."""
    secret = await identity.rotate_secret(session, device_id=device_id, by=user, now=now)
    return SecretOut(device_id=device_id, secret=secret)


@router.post("/device-units/{device_id}/revoke", response_model=UnitOut)
async def revoke_unit(
    device_id: str, user: Maker, session: SessionDep, now: NowDep,
) -> UnitOut:  # fmt: skip
    """Revoke a unit for good: it can no longer connect, and is dropped if connected."""
    device = await identity.revoke(session, device_id=device_id, by=user, now=now)
    return UnitOut.of(device)
