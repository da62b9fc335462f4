"""The partner console (HTML): apply as a company, run the store, invite members, submit
products and follow their review. Forms post back here; a refused form re-renders with
each problem named next to its field and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.devices.native import guess_format, load_document
from hearth.errors import HearthError, InvalidInput, SpecInvalid
from hearth.kit.money import Money
from hearth.mall import dossier, media, members, partners, products
from hearth.mall.deps import StorageDep, UploadLimit
from hearth.mall.models import Partner
from hearth.mall.products import CATEGORIES, ProductDraft
from hearth.mall.review import PartnerState
from hearth.mall.schemas import (
    PartnerApplicationForm,
    PartnerInviteForm,
    ProductForm,
    ProductImageUpload,
    StoreForm,
    StoreLogoUpload,
)
from hearth.web.deps import CurrentUser, NowDep, SessionDep, requires
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
PartnerUser = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]
# What other areas show on a partner's product page (its campaigns), as context for its
# template; the app factory lists them in ``app.state.product_panels``.
ProductPanel = Callable[..., Awaitable[dict[str, Any]]]


def format_money(amount: int, currency: str) -> str:
    return Money(amount, currency).format()


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def field_errors(err: HearthError) -> dict[str, str]:
    """Return a refused form's problems by field (the whole form's under ``form``)."""
    detail = err.detail if isinstance(err.detail, list) else []
    found = {p["field"]: p["message"] for p in detail if isinstance(p, dict) and "field" in p}
    return found or {"form": err.sentence}


async def _console(
    request: Request,
    session: SessionDep,
    user: User,
    now: datetime,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    if user.partner_id is None or not can(user.role, Capability.PARTNER_CONSOLE):
        return render(
            request,
            "mall/partner/apply.html",
            user=user,
            active="partner",
            applications=await partners.applications_of(session, user=user),
            invitations=await members.pending_for(session, user=user, now=now),
            categories=CATEGORIES,
            errors=extra.pop("errors", {}),
            values=extra.pop("values", {}),
            status_code=status_code,
            **extra,
        )
    partner = await session.get(Partner, user.partner_id)
    approved = partner is not None and partner.status == PartnerState.APPROVED
    return render(
        request,
        "mall/partner/console.html",
        user=user,
        active="partner",
        partner=partner,
        approved=approved,
        products=await products.list_products(session, user=user) if approved else [],
        members=await members.members(session, user=user) if approved else [],
        invitations=await members.invitations(session, user=user) if approved else [],
        errors=extra.pop("errors", {}),
        status_code=status_code,
        **extra,
    )


@router.get("/partner")
async def console(
    request: Request, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    if can(user.role, Capability.REVIEW) and user.partner_id is None:
        return see_other("/platform")
    return await _console(request, session, user, now)


@router.post("/partner/apply")
async def apply(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[PartnerApplicationForm, Form()],
) -> Response:
    try:
        await partners.apply(
            session,
            user=user,
            name=form.name,
            description=form.description,
            contact_email=form.contact_email,
            categories=form.categories,
            now=now,
        )
    except HearthError as err:
        return await _console(
            request,
            session,
            user,
            now,
            errors=field_errors(err),
            values=form.model_dump(),
            status_code=err.status,
        )
    return see_other("/partner")


@router.post("/partner/store")
async def update_store(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[StoreForm, Form()],
) -> Response:
    try:
        await partners.update_store(
            session,
            user=user,
            store_name=form.store_name,
            store_description=form.store_description,
            support_contact=form.support_contact,
        )
    except HearthError as err:
        return await _console(
            request, session, user, now, errors=field_errors(err), status_code=err.status
        )
    return see_other("/partner?saved=store#store")


@router.post("/partner/store/logo")
async def upload_logo(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    storage: StorageDep,
    limit: UploadLimit,
    now: NowDep,
    form: Annotated[StoreLogoUpload, Form()],
) -> Response:
    try:
        if form.logo is None or not form.logo.filename:
            raise InvalidInput.fields([{"field": "logo", "message": "choose an image"}])
        data = await form.logo.read(limit + 1)
        _, stale = await media.set_logo(session, storage, user=user, data=data, max_bytes=limit)
    except HearthError as err:
        return await _console(
            request, session, user, now, errors=field_errors(err), status_code=err.status
        )
    response = see_other("/partner?saved=logo#store")
    if stale:  # deleted after the response, so after the commit
        response.background = BackgroundTask(storage.delete, stale)
    return response


@router.post("/partner/invitations")
async def invite(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[PartnerInviteForm, Form()],
) -> Response:
    try:
        row, token = await members.invite(
            session, user=user, username=form.username or None, now=now
        )
    except HearthError as err:
        errors = {"invite": err.sentence}
        return await _console(request, session, user, now, errors=errors, status_code=err.status)
    link = str(request.base_url).rstrip("/") + f"/partner/join/{token}" if token else None
    return await _console(request, session, user, now, new_link=link, invited=form.username or None)


@router.post("/partner/invitations/{invitation_id}/revoke")
async def revoke(
    invitation_id: str, user: PartnerUser, session: SessionDep, now: NowDep
) -> Response:
    await members.revoke(session, user=user, invitation_id=invitation_id, now=now)
    return see_other("/partner#members")


@router.post("/partner/invitations/{invitation_id}/accept")
async def accept(
    invitation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    await members.accept(session, user=user, invitation_id=invitation_id, now=now)
    return see_other("/partner")


@router.get("/partner/join/{token}")
async def join_page(request: Request, token: str, user: CurrentUser) -> Response:
    return render(request, "mall/partner/join.html", user=user, active="partner", token=token)


@router.post("/partner/join/{token}")
async def join(token: str, user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    await members.accept_token(session, user=user, token=token, now=now)
    return see_other("/partner")


def _spec_fields(data: bytes, filename: str) -> dict[str, Any]:
    """Read an uploaded spec file: native (has ``model``) or a MIoT instance."""
    if not data:
        return {}
    document = load_document(data, fmt=guess_format(filename))
    if not isinstance(document, dict):
        raise SpecInvalid("a spec file holds one object", issues=[])
    return {"spec": document} if "model" in document else {"miot": document}


async def _draft(form: ProductForm) -> ProductDraft:
    """Return the draft a product form describes, its spec read from the uploaded file."""
    spec: dict[str, Any] = {}
    upload: UploadFile | None = form.spec_file
    if upload is not None and upload.filename:
        spec = _spec_fields(await upload.read(2_000_001), upload.filename)
    return form.draft(spec)


def _product_form(
    request: Request,
    user: User,
    *,
    product: Any = None,
    values: dict[str, Any] | None = None,
    err: HearthError | None = None,
) -> Response:
    issues = err.detail if isinstance(err, SpecInvalid) else []
    return render(
        request,
        "mall/partner/product_form.html",
        user=user,
        active="partner",
        product=product,
        categories=CATEGORIES,
        values=values or {},
        errors=field_errors(err) if err and not isinstance(err, SpecInvalid) else {},
        spec_error=err.sentence if isinstance(err, SpecInvalid) else None,
        spec_issues=issues,
        status_code=err.status if err else 200,
    )


@router.get("/partner/products/new")
async def new_product(request: Request, user: PartnerUser) -> Response:
    return _product_form(request, user, values={"campaign_days": 30})


@router.post("/partner/products/new")
async def create_product(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[ProductForm, Form()],
) -> Response:
    try:
        product, _ = await products.create_product(
            session, user=user, draft=await _draft(form), now=now
        )
    except HearthError as err:
        return _product_form(request, user, values=form.texts(), err=err)
    return see_other(f"/partner/products/{product.id}")


@router.post("/partner/products/{product_id}/edit")
async def edit_product(
    request: Request,
    product_id: str,
    user: PartnerUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[ProductForm, Form()],
) -> Response:
    product = await products.get_product(session, user=user, product_id=product_id)
    try:
        await products.update_product(
            session, user=user, product_id=product_id, draft=await _draft(form), now=now
        )
    except HearthError as err:
        return _product_form(request, user, product=product, values=form.texts(), err=err)
    return see_other(f"/partner/products/{product_id}?saved=1")


@router.get("/partner/products/{product_id}/edit")
async def edit_form(
    request: Request, product_id: str, user: PartnerUser, session: SessionDep
) -> Response:
    product = await products.get_product(session, user=user, product_id=product_id)
    if user.partner_id != product.partner_id:
        return see_other(f"/platform/products/{product_id}")
    values = {
        "name": product.name,
        "category": product.category,
        "description": product.description,
        "retail_price": Money(product.retail_price, product.currency).decimal_string(),
        "campaign_goal": Money(product.campaign_goal, product.currency).decimal_string(),
        "campaign_days": product.campaign_days,
    }
    return _product_form(request, user, product=product, values=values)


async def product_page(
    request: Request,
    session: SessionDep,
    user: User,
    product_id: str,
    now: datetime,
    *,
    template: str,
    active: str,
    error: HearthError | None = None,
    **extra: Any,
) -> Response:
    """Render a product's dossier, with a refused action's message if there was one."""
    found = await dossier.dossier(session, user=user, product_id=product_id, now=now)
    return render(
        request,
        template,
        user=user,
        active=active,
        d=found,
        money=format_money,
        error=error.sentence if error else None,
        status_code=error.status if error else 200,
        **extra,
    )


@router.get("/partner/products/{product_id}")
async def show_product(
    request: Request, product_id: str, user: PartnerUser, session: SessionDep, now: NowDep
) -> Response:
    product = await products.get_product(session, user=user, product_id=product_id)
    if user.partner_id != product.partner_id:
        return see_other(f"/platform/products/{product_id}")
    # What other areas add to a partner's product (its campaigns), listed by the app factory.
    panels: list[ProductPanel] = getattr(request.app.state, "product_panels", [])
    extra: dict[str, Any] = {}
    for panel in panels:
        extra |= await panel(session, product_id=product_id, now=now)
    return await product_page(
        request,
        session,
        user,
        product_id,
        now,
        template="mall/partner/product.html",
        active="partner",
        **extra,
    )


@router.post("/partner/products/{product_id}/images")
async def add_image(
    request: Request,
    product_id: str,
    user: PartnerUser,
    session: SessionDep,
    storage: StorageDep,
    limit: UploadLimit,
    now: NowDep,
    form: Annotated[ProductImageUpload, Form()],
) -> Response:
    try:
        if form.image is None or not form.image.filename:
            raise InvalidInput.fields([{"field": "image", "message": "choose an image"}])
        data = await form.image.read(limit + 1)
        await media.add_image(
            session,
            storage,
            user=user,
            product_id=product_id,
            data=data,
            max_bytes=limit,
            now=now,
        )
    except HearthError as err:
        return await product_page(
            request,
            session,
            user,
            product_id,
            now,
            template="mall/partner/product.html",
            active="partner",
            error=err,
        )
    return see_other(f"/partner/products/{product_id}#images")


@router.post("/partner/products/{product_id}/images/{image_id}/delete")
async def remove_image(
    product_id: str, image_id: str, user: PartnerUser, session: SessionDep, storage: StorageDep
) -> Response:
    stale = await media.remove_image(session, user=user, product_id=product_id, image_id=image_id)
    response = see_other(f"/partner/products/{product_id}#images")
    response.background = BackgroundTask(storage.delete, stale)  # after the commit
    return response
