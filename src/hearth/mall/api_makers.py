"""JSON API for device makers: products, minting units, secrets, revocation.

Partners manage their own company's products; platform operators (reviewers, admins) all
of them. The products and units are the device cloud's (``hearth.hub``); which company a
caller speaks for is the mall's. Mounted under ``/api/v1``. A product or device that is
not the caller's answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response, status

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.hub import catalog, identity
from hearth.hub.models import DeviceModel
from hearth.hub.schemas import DeviceModelOut, DeviceUnitOut, MintedUnitOut, MintIn, UnitSecretOut
from hearth.mall import makers
from hearth.web.deps import NowDep, SessionDep, requires

router = APIRouter(tags=["device makers"])
Maker = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]


@router.get("/device-models", response_model=list[DeviceModelOut])
async def list_models(user: Maker, session: SessionDep) -> list[DeviceModel]:
    """List the products you may manage."""
    return await catalog.list_models(session, by=user)


@router.post("/device-models", response_model=DeviceModelOut, status_code=status.HTTP_201_CREATED)
async def register_model(
    user: Maker, session: SessionDep, now: NowDep, document: Annotated[dict[str, Any], Body()]
) -> DeviceModel:
    """Register a product from its native spec (or move it to a newer spec version)."""
    model, _ = await makers.register_model(session, document=document, by=user, now=now)
    return model


@router.post(
    "/device-models/{model_id}/units",
    response_model=list[MintedUnitOut],
    status_code=status.HTTP_201_CREATED,
    responses={201: {"content": {"text/csv": {}}}},
)
async def mint_units(
    model_id: str, body: MintIn, request: Request, user: Maker, session: SessionDep, now: NowDep
) -> list[MintedUnitOut] | Response:
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
    return [MintedUnitOut.of(u) for u in units]


@router.get("/device-models/{model_id}/units", response_model=list[DeviceUnitOut])
async def list_units(model_id: str, user: Maker, session: SessionDep) -> list[DeviceUnitOut]:
    """List a product's newest units (without secrets)."""
    found = await identity.list_units(session, model_id=model_id, by=user)
    return [DeviceUnitOut.of(d) for d in found]


@router.post("/device-units/{device_id}/secret", response_model=UnitSecretOut)
async def rotate_secret(
    device_id: str, user: Maker, session: SessionDep, now: NowDep
) -> UnitSecretOut:
    """Give a unit a new secret; the old one stops working and a connected unit is dropped."""
    secret = await identity.rotate_secret(session, device_id=device_id, by=user, now=now)
    return UnitSecretOut(device_id=device_id, secret=secret)


@router.post("/device-units/{device_id}/revoke", response_model=DeviceUnitOut)
async def revoke_unit(
    device_id: str, user: Maker, session: SessionDep, now: NowDep
) -> DeviceUnitOut:
    """Revoke a unit for good: it can no longer connect, and is dropped if connected."""
    return DeviceUnitOut.of(await identity.revoke(session, device_id=device_id, by=user, now=now))
