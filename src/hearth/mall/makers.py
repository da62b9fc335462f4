"""Partners as device makers: each registers its products under its own slug.

A partner member registers device models for the company their account belongs to, whose
slug starts every model id (``lumi-labs.sensor.v1``); platform operators register any
model, as the platform's. The device cloud (``hearth.hub.catalog``) stores the model and
checks the prefix; who the caller speaks for is read here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can, require
from hearth.devices.rules import parse_spec
from hearth.errors import NotFound
from hearth.hub import catalog
from hearth.hub.models import DeviceModel
from hearth.mall.models import Partner


async def register_model(
    session: AsyncSession, *, document: Any, by: User, now: datetime
) -> tuple[DeviceModel, bool]:
    """Register a product from a native spec document, for the caller's partner company."""
    if can(by.role, Capability.OPERATE):
        maker = None
    else:
        require(by.role, Capability.PARTNER_CONSOLE)
        partner = await session.get(Partner, by.partner_id) if by.partner_id else None
        if partner is None:
            raise NotFound("your account belongs to no partner company")
        maker = catalog.Maker(partner_id=partner.id, name=partner.name, slug=partner.slug)
    return await catalog.save_model(session, spec=parse_spec(document), maker=maker, now=now)
