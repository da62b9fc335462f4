"""JSON API for partner uploads and members: product images, the store logo, invitations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, status
from fastapi.responses import Response
from starlette.background import BackgroundTask

from hearth.errors import InvalidInput, NotFound
from hearth.mall import media, members, products
from hearth.mall.deps import StorageDep, UploadLimit, read_upload
from hearth.mall.schemas import (
    PartnerInvitationAcceptIn,
    PartnerInvitationIn,
    PartnerInvitationOut,
    PartnerMemberOut,
    PartnerOut,
    ProductImageOut,
    ProductImageUpload,
    ReceivedPartnerInvitationOut,
    StoreLogoUpload,
)
from hearth.web.deps import CurrentUser, NowDep, SessionDep
from hearth.web.openapi import answers

router = APIRouter(tags=["mall"])


@router.get("/products/{product_id}/images", response_model=list[ProductImageOut])
async def list_images(
    product_id: str, user: CurrentUser, session: SessionDep
) -> list[ProductImageOut]:
    """A product's images, for whoever may see the product."""
    product = await products.get_product(session, user=user, product_id=product_id)
    return [ProductImageOut.of(r) for r in await media.images(session, product_id=product.id)]


@router.post(
    "/products/{product_id}/images",
    status_code=status.HTTP_201_CREATED,
    response_model=ProductImageOut,
)
async def add_image(
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    limit: UploadLimit,
    now: NowDep,
    upload: Annotated[ProductImageUpload, Form()],
) -> ProductImageOut:
    """Upload an image of your company's product (PNG, JPEG or WebP, checked by content)."""
    data = await read_upload(upload.image, limit=limit, field="image")
    row = await media.add_image(
        session, storage, user=user, product_id=product_id, data=data, max_bytes=limit, now=now
    )
    return ProductImageOut.of(row)


@router.delete("/products/{product_id}/images/{image_id}", status_code=204)
async def remove_image(
    product_id: str, image_id: str, user: CurrentUser, session: SessionDep, storage: StorageDep
) -> Response:
    """Delete an image of your company's product while it is editable."""
    stale = await media.remove_image(session, user=user, product_id=product_id, image_id=image_id)
    # Runs after the response, so after the commit.
    return Response(status_code=204, background=BackgroundTask(storage.delete, stale))


@router.put("/store/logo", response_model=PartnerOut)
async def set_logo(
    background: BackgroundTasks,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    limit: UploadLimit,
    upload: Annotated[StoreLogoUpload, Form()],
) -> PartnerOut:
    """Upload your company's store logo."""
    data = await read_upload(upload.logo, limit=limit, field="logo")
    partner, stale = await media.set_logo(session, storage, user=user, data=data, max_bytes=limit)
    if stale:  # deleted after the response, so after the commit
        background.add_task(storage.delete, stale)
    return PartnerOut.model_validate(partner)


@router.get("/partner/members", response_model=list[PartnerMemberOut])
async def list_members(user: CurrentUser, session: SessionDep) -> list[PartnerMemberOut]:
    """The members of your company."""
    return [
        PartnerMemberOut(id=m.id, username=m.username, display_name=m.display_name)
        for m in await members.members(session, user=user)
    ]


@router.get("/partner/invitations", response_model=list[PartnerInvitationOut])
async def list_invitations(user: CurrentUser, session: SessionDep) -> list[PartnerInvitationOut]:
    """Your company's invitations, newest first."""
    return [
        PartnerInvitationOut.of(i, name)
        for i, name in await members.invitations(session, user=user)
    ]


@router.post(
    "/partner/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerInvitationOut,
)
async def invite(
    body: PartnerInvitationIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> PartnerInvitationOut:
    """Invite someone by username, or (without one) make a single-use link."""
    row, token = await members.invite(
        session, user=user, username=body.username, days=body.days, now=now
    )
    return PartnerInvitationOut.of(row, body.username, token)


@router.post("/partner/invitations/{invitation_id}/revoke", response_model=PartnerInvitationOut)
async def revoke_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> PartnerInvitationOut:
    """Withdraw an unused invitation of your company."""
    row = await members.revoke(session, user=user, invitation_id=invitation_id, now=now)
    return PartnerInvitationOut.of(row, None)


@router.get("/partner/invitations/received", response_model=list[ReceivedPartnerInvitationOut])
async def received(
    user: CurrentUser, session: SessionDep, now: NowDep
) -> list[ReceivedPartnerInvitationOut]:
    """Open invitations addressed to you."""
    return [
        ReceivedPartnerInvitationOut(id=i.id, partner=name, expires_at=i.expires_at)
        for i, name in await members.pending_for(session, user=user, now=now)
    ]


@router.post("/partner/invitations/accept", response_model=PartnerOut, responses=answers(NotFound))
async def accept(
    body: PartnerInvitationAcceptIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> PartnerOut:
    """Join a partner company with an invitation link's token or an invitation to you."""
    if body.token:
        partner = await members.accept_token(session, user=user, token=body.token, now=now)
    elif body.invitation_id:
        partner = await members.accept(
            session, user=user, invitation_id=body.invitation_id, now=now
        )
    else:
        raise InvalidInput.fields([{"field": "token", "message": "give a token or an id"}])
    return PartnerOut.model_validate(partner)
