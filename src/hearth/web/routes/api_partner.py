"""JSON API for partner uploads and members: product images, the store logo, invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from hearth.errors import InvalidInput
from hearth.mall import media, members, products
from hearth.mall.models import PartnerInvitation, ProductImage
from hearth.web.deps import CurrentUser, SessionDep
from hearth.web.routes.api_mall import PartnerOut
from hearth.web.routes.media import StorageDep, read_upload, upload_limit

router = APIRouter(tags=["mall"])
Limit = Annotated[int, Depends(upload_limit)]


class ImageOut(BaseModel):
    id: str
    url: str
    content_type: str
    size: int
    position: int

    @classmethod
    def of(cls, row: ProductImage) -> ImageOut:
        return cls(
            id=row.id,
            url=f"/media/images/{row.id}",
            content_type=row.content_type,
            size=row.size,
            position=row.position,
        )


class MemberOut(BaseModel):
    id: str
    username: str
    display_name: str


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(default=None, max_length=40, description="omit for a link")
    days: int = Field(default=members.DEFAULT_DAYS, description="days until it expires")


class InvitationOut(BaseModel):
    id: str
    invitee: str | None
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="a link's token, shown only once")
    link: str | None = None

    @classmethod
    def of(
        cls, row: PartnerInvitation, invitee: str | None, token: str | None = None
    ) -> InvitationOut:
        return cls(
            id=row.id,
            invitee=invitee,
            expires_at=row.expires_at,
            used_at=row.used_at,
            revoked_at=row.revoked_at,
            token=token,
            link=f"/partner/join/{token}" if token else None,
        )


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str | None = Field(default=None, max_length=100)
    invitation_id: str | None = Field(default=None, max_length=40)


@router.get("/products/{product_id}/images")
async def list_images(product_id: str, user: CurrentUser, session: SessionDep) -> list[ImageOut]:
    """A product's images, for whoever may see the product."""
    product = await products.get_product(session, user=user, product_id=product_id)
    return [ImageOut.of(r) for r in await media.images(session, product_id=product.id)]


@router.post("/products/{product_id}/images", status_code=status.HTTP_201_CREATED)
async def add_image(
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    limit: Limit,
    image: Annotated[UploadFile | None, File(description="PNG, JPEG or WebP")] = None,
) -> ImageOut:
    """Upload an image of your company's product (PNG, JPEG or WebP, checked by content)."""
    data = await read_upload(image, limit=limit, field="image")
    row = await media.add_image(
        session, storage, user=user, product_id=product_id, data=data, max_bytes=limit
    )
    return ImageOut.of(row)


@router.delete("/products/{product_id}/images/{image_id}", status_code=204)
async def remove_image(
    product_id: str, image_id: str, user: CurrentUser, session: SessionDep, storage: StorageDep
) -> Response:
    """Delete an image of your company's product while it is editable."""
    stale = await media.remove_image(session, user=user, product_id=product_id, image_id=image_id)
    # Runs after the response, so after the commit.
    return Response(status_code=204, background=BackgroundTask(storage.delete, stale))


@router.put("/store/logo")
async def set_logo(
    background: BackgroundTasks,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    limit: Limit,
    logo: Annotated[UploadFile | None, File(description="PNG, JPEG or WebP")] = None,
) -> PartnerOut:
    """Upload your company's store logo."""
    data = await read_upload(logo, limit=limit, field="logo")
    partner, stale = await media.set_logo(session, storage, user=user, data=data, max_bytes=limit)
    if stale:
        background.add_task(storage.delete, stale)
    return PartnerOut.model_validate(partner)


@router.get("/partner/members")
async def list_members(user: CurrentUser, session: SessionDep) -> list[MemberOut]:
    """The members of your company."""
    return [
        MemberOut(id=m.id, username=m.username, display_name=m.display_name)
        for m in await members.members(session, user=user)
    ]


@router.get("/partner/invitations")
async def list_invitations(user: CurrentUser, session: SessionDep) -> list[InvitationOut]:
    """Your company's invitations, newest first."""
    return [InvitationOut.of(i, name) for i, name in await members.invitations(session, user=user)]


@router.post("/partner/invitations", status_code=status.HTTP_201_CREATED)
async def invite(body: InvitationIn, user: CurrentUser, session: SessionDep) -> InvitationOut:
    """Invite someone by username, or (without one) make a single-use link."""
    row, token = await members.invite(session, user=user, username=body.username, days=body.days)
    return InvitationOut.of(row, body.username, token)


@router.post("/partner/invitations/{invitation_id}/revoke")
async def revoke_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep
) -> InvitationOut:
    """Withdraw an unused invitation of your company."""
    row = await members.revoke(session, user=user, invitation_id=invitation_id)
    return InvitationOut.of(row, None)


@router.get("/partner/invitations/received")
async def received(user: CurrentUser, session: SessionDep) -> list[dict[str, str]]:
    """Open invitations addressed to you."""
    return [
        {"id": i.id, "partner": name, "expires_at": i.expires_at.isoformat()}
        for i, name in await members.pending_for(session, user=user)
    ]


@router.post("/partner/invitations/accept")
async def accept(body: AcceptIn, user: CurrentUser, session: SessionDep) -> PartnerOut:
    """Join a partner company with an invitation link's token or an invitation to you."""
    if body.token:
        partner = await members.accept_token(session, user=user, token=body.token)
    elif body.invitation_id:
        partner = await members.accept(session, user=user, invitation_id=body.invitation_id)
    else:
        raise InvalidInput.fields([{"field": "token", "message": "give a token or an id"}])
    return PartnerOut.model_validate(partner)
