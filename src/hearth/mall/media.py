"""Product images and store logos: checked uploads kept in ``hearth.kit.storage``.

An upload is checked (type sniffed from its bytes, size against the setting) before
anything is stored, so a refused file leaves no trace. Who may see an image follows who
may see its product (``products.get_product``): drafts' images only to their partner,
submitted ones also to reviewers, approved ones to everyone. Logos of approved stores
are public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import InvalidInput, NotFound, PermissionDenied
from hearth.kit.ids import new_id
from hearth.kit.storage import Storage
from hearth.mall import products
from hearth.mall.images import MAX_IMAGES, check_image
from hearth.mall.models import Partner, ProductImage
from hearth.mall.review import EDITABLE, PartnerState, ProductState


@dataclass(frozen=True)
class Blob:
    """An image's bytes and type, ready to serve."""

    data: bytes
    content_type: str


async def add_image(
    session: AsyncSession,
    storage: Storage,
    *,
    user: User,
    product_id: str,
    data: bytes,
    max_bytes: int,
    now: datetime,
) -> ProductImage:
    """Check and store an image of a product the user's company may still edit."""
    product = await products.get_product(session, user=user, product_id=product_id)
    if user.partner_id != product.partner_id:
        raise NotFound("no such product")
    if ProductState(product.state) not in EDITABLE:
        raise PermissionDenied(f"a product in state {product.state!r} cannot be edited")
    kind = check_image(data, max_bytes=max_bytes)
    count = await session.scalar(
        select(func.count()).select_from(ProductImage).where(ProductImage.product_id == product.id)
    )
    if int(count or 0) >= MAX_IMAGES:
        raise InvalidInput.fields(
            [{"field": "image", "message": f"a product has at most {MAX_IMAGES} images"}]
        )
    image_id = new_id("img")
    key = f"products/{product.id.lower()}/{image_id.lower()}.{kind.extension}"
    await storage.put(key, data, content_type=kind.content_type)
    row = ProductImage(
        id=image_id,
        product_id=product.id,
        key=key,
        content_type=kind.content_type,
        size=len(data),
        position=int(count or 0),
        uploaded_by=user.id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def images(session: AsyncSession, *, product_id: str) -> list[ProductImage]:
    """Return a product's images in display order (the caller has checked visibility)."""
    rows = await session.scalars(
        select(ProductImage)
        .where(ProductImage.product_id == product_id)
        .order_by(ProductImage.position, ProductImage.created_at)
    )
    return list(rows)


async def remove_image(session: AsyncSession, *, user: User, product_id: str, image_id: str) -> str:
    """Delete an image of a product the user's company may still edit; return its file's key.

    The caller deletes the file once the transaction has committed (a rolled-back delete
    must still find its file).
    """
    product = await products.get_product(session, user=user, product_id=product_id)
    row = await session.get(ProductImage, image_id)
    if user.partner_id != product.partner_id or row is None or row.product_id != product.id:
        raise NotFound("no such image")
    if ProductState(product.state) not in EDITABLE:
        raise PermissionDenied(f"a product in state {product.state!r} cannot be edited")
    await session.delete(row)
    await session.flush()
    return row.key


async def image(
    session: AsyncSession, storage: Storage, *, user: User | None, image_id: str
) -> Blob:
    """Return an image the user may see (its product's visibility), or raise ``NotFound``."""
    row = await session.get(ProductImage, image_id)
    if row is None:
        raise NotFound("no such image")
    await products.get_product(session, user=user, product_id=row.product_id)
    return Blob(await storage.get(row.key), row.content_type)


async def set_logo(
    session: AsyncSession, storage: Storage, *, user: User, data: bytes, max_bytes: int
) -> tuple[Partner, str | None]:
    """Check and store the logo of the user's company's store, replacing the old one.

    Return the store and the old logo's key, which the caller deletes after the commit.
    """
    if user.partner_id is None:
        raise PermissionDenied("only partner members run a store")
    partner = await session.get(Partner, user.partner_id)
    if partner is None or partner.status != PartnerState.APPROVED:
        raise PermissionDenied("your company's store opens once it is approved")
    kind = check_image(data, max_bytes=max_bytes, field="logo")
    old = partner.logo_key
    key = f"stores/{partner.id.lower()}/{new_id('logo').lower()}.{kind.extension}"
    await storage.put(key, data, content_type=kind.content_type)
    partner.logo_key = key
    partner.logo_type = kind.content_type
    await session.flush()
    return partner, old


async def logo(session: AsyncSession, storage: Storage, *, slug: str) -> Blob:
    """Return the logo of an approved store, or raise ``NotFound``."""
    partner = await session.scalar(
        select(Partner).where(Partner.slug == slug, Partner.status == PartnerState.APPROVED)
    )
    if partner is None or not partner.logo_key:
        raise NotFound("no such logo")
    return Blob(await storage.get(partner.logo_key), partner.logo_type)
