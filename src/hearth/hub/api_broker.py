"""HTTP hooks for EMQX: who may connect, and what each client may publish or subscribe.

EMQX (a clustered broker) calls these for every connection and every topic check; they
apply the very rules the embedded broker and Mosquitto's generated files apply
(``hub.access``, ``hub.acl``). EMQX authenticates itself with the bearer token from
``hearth broker emqx-token``. Mounted under ``/api/v1``; see docs/device-protocol.md.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header

from hearth.errors import BrokerUnavailable, NotAuthenticated
from hearth.hub.access import DeviceAccess, hook_token
from hearth.hub.acl import Access
from hearth.hub.schemas import BrokerAclIn, BrokerAuthIn, BrokerHookOut
from hearth.web.deps import HearthDep
from hearth.web.openapi import answers

router = APIRouter(tags=["broker hooks"])


def _check_caller(hearth: HearthDep, authorization: str | None) -> DeviceAccess:
    expected = f"Bearer {hook_token(hearth.settings.secret)}"
    if authorization is None or not hmac.compare_digest(authorization, expected):
        raise NotAuthenticated("the broker hook needs hearth's hook token")
    if hearth.cloud is None:
        raise BrokerUnavailable("this hearth process has no broker connection")
    return hearth.cloud.access


@router.post("/broker/emqx/auth", response_model=BrokerHookOut, responses=answers(NotAuthenticated))
async def emqx_auth(
    body: BrokerAuthIn, hearth: HearthDep, authorization: Annotated[str | None, Header()] = None
) -> BrokerHookOut:
    """Answer EMQX's authentication request."""
    access = _check_caller(hearth, authorization)
    ok = await access.authenticate(
        client_id=body.clientid, username=body.username, password=body.password or ""
    )
    return BrokerHookOut(result="allow" if ok else "deny")


@router.post("/broker/emqx/acl", response_model=BrokerHookOut, responses=answers(NotAuthenticated))
async def emqx_acl(
    body: BrokerAclIn, hearth: HearthDep, authorization: Annotated[str | None, Header()] = None
) -> BrokerHookOut:
    """Answer EMQX's authorization request for one topic."""
    access = _check_caller(hearth, authorization)
    ok = access.allows(username=body.username, topic=body.topic, access=Access(body.action))
    return BrokerHookOut(result="allow" if ok else "deny")
