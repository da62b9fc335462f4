"""The partner console (HTML): apply as a company, run the store, invite members, submit
products and follow their review. Forms post back here; a refused form re-renders with
each problem named next to its field and changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.devices.native import guess_format, load_document
from hearth.errors import HearthError, InvalidInput, SpecInvalid
from hearth.kit.money import Money
from hearth.mall import dossier, media, members, partners, products
from hearth.mall.models import Partner
from hearth.mall.products import CATEGORIES, ProductDraft
from hearth.mall.review import PartnerState
from hearth.web.deps import CurrentUser, SessionDep, requires
from hearth.web.routes.media import StorageDep, upload_limit
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
PartnerUser = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]
Limit = Annotated[int, Depends(upload_limit)]
OptionalFile = Annotated[UploadFile | None, File()]


def format_money(amount: int, currency: str) -> str:
    return Money(amount, currency).format()


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _field_errors(err: HearthError) -> dict[str, str]:
    detail = err.detail if isinstance(err.detail, list) else []
    found = {p["field"]: p["message"] for p in detail if isinstance(p, dict) and "field" in p}
    return found or {"form": err.message}


async def _console(
    request: Request, session: SessionDep, user: User, *, status_code: int = 200, **extra: Any
) -> Response:
    if user.partner_id is None or not can(user.role, Capability.PARTNER_CONSOLE):
        mine = await session.scalars(
            select(Partner).where(Partner.applicant_id == user.id).order_by(Partner.created_at)
        )
        return render(
            request,
            "mall/partner/apply.html",
            user=user,
            active="partner",
            applications=list(mine),
            invitations=await members.pending_for(session, user=user),
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
async def console(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    if can(user.role, Capability.REVIEW) and user.partner_id is None:
        return _see_other("/platform")
    return await _console(request, session, user)


@router.post("/partner/apply")
async def apply(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    name: Annotated[str, Form(max_length=120)] = "",
    contact_email: Annotated[str, Form(max_length=254)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    categories: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        await partners.apply(
            session,
            user=user,
            name=name,
            description=description,
            contact_email=contact_email,
            categories=categories or [],
        )
    except HearthError as err:
        values = {"name": name, "contact_email": contact_email, "description": description}
        values["categories"] = categories or []  # type: ignore[assignment]
        return await _console(
            request, session, user, errors=_field_errors(err), values=values, status_code=err.status
        )
    return _see_other("/partner")


@router.post("/partner/store")
async def update_store(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    store_name: Annotated[str, Form(max_length=120)] = "",
    store_description: Annotated[str, Form(max_length=5000)] = "",
    support_contact: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    try:
        await partners.update_store(
            session,
            user=user,
            store_name=store_name,
            store_description=store_description,
            support_contact=support_contact,
        )
    except HearthError as err:
        return await _console(
            request, session, user, errors=_field_errors(err), status_code=err.status
        )
    return _see_other("/partner?saved=store#store")


@router.post("/partner/store/logo")
async def upload_logo(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    storage: StorageDep,
    limit: Limit,
    logo: OptionalFile = None,
) -> Response:
    try:
        if logo is None or not logo.filename:
            raise InvalidInput.fields([{"field": "logo", "message": "choose an image"}])
        data = await logo.read(limit + 1)
        _, stale = await media.set_logo(session, storage, user=user, data=data, max_bytes=limit)
    except HearthError as err:
        return await _console(
            request, session, user, errors=_field_errors(err), status_code=err.status
        )
    response = _see_other("/partner?saved=logo#store")
    if stale:  # deleted after the response, so after the commit
        response.background = BackgroundTask(storage.delete, stale)
    return response


@router.post("/partner/invitations")
async def invite(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    username: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        row, token = await members.invite(session, user=user, username=username or None)
    except HearthError as err:
        errors = {"invite": err.message}
        return await _console(request, session, user, errors=errors, status_code=err.status)
    link = str(request.base_url).rstrip("/") + f"/partner/join/{token}" if token else None
    return await _console(request, session, user, new_link=link, invited=username or None)


@router.post("/partner/invitations/{invitation_id}/revoke")
async def revoke(invitation_id: str, user: PartnerUser, session: SessionDep) -> Response:
    await members.revoke(session, user=user, invitation_id=invitation_id)
    return _see_other("/partner#members")


@router.post("/partner/invitations/{invitation_id}/accept")
async def accept(invitation_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await members.accept(session, user=user, invitation_id=invitation_id)
    return _see_other("/partner")


@router.get("/partner/join/{token}")
async def join_page(request: Request, token: str, user: CurrentUser) -> Response:
    return render(request, "mall/partner/join.html", user=user, active="partner", token=token)


@router.post("/partner/join/{token}")
async def join(token: str, user: CurrentUser, session: SessionDep) -> Response:
    await members.accept_token(session, user=user, token=token)
    return _see_other("/partner")


def _spec_fields(data: bytes, filename: str) -> dict[str, Any]:
    """Read an uploaded spec file: native (has ``model``) or a MIoT instance."""
    if not data:
        return {}
    document = load_document(data, fmt=guess_format(filename))
    if not isinstance(document, dict):
        raise SpecInvalid("a spec file holds one object", issues=[])
    return {"spec": document} if "model" in document else {"miot": document}


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
        errors=_field_errors(err) if err and not isinstance(err, SpecInvalid) else {},
        spec_error=err.message if isinstance(err, SpecInvalid) else None,
        spec_issues=issues,
        status_code=err.status if err else 200,
    )


@router.get("/partner/products/new")
async def new_product(request: Request, user: PartnerUser) -> Response:
    return _product_form(request, user, values={"campaign_days": 30})


async def _draft_from_form(form: dict[str, Any], spec_file: UploadFile | None) -> ProductDraft:
    spec: dict[str, Any] = {}
    if spec_file is not None and spec_file.filename:
        spec = _spec_fields(await spec_file.read(2_000_001), spec_file.filename)
    days = str(form.get("campaign_days") or "").strip()
    if days and not days.isdigit():
        raise InvalidInput.fields([{"field": "campaign_days", "message": "a whole number"}])
    return ProductDraft(
        name=form["name"],
        category=form["category"] or None,
        description=form["description"],
        retail_price=form["retail_price"] or None,
        campaign_goal=form["campaign_goal"] or None,
        campaign_days=int(days) if days else None,
        **spec,
    )


Text = Annotated[str, Form(max_length=20_000)]


@router.post("/partner/products/new")
async def create_product(
    request: Request,
    user: PartnerUser,
    session: SessionDep,
    name: Text = "",
    category: Text = "",
    description: Text = "",
    retail_price: Text = "",
    campaign_goal: Text = "",
    campaign_days: Text = "",
    spec_file: OptionalFile = None,
) -> Response:
    form = dict(
        name=name,
        category=category,
        description=description,
        retail_price=retail_price,
        campaign_goal=campaign_goal,
        campaign_days=campaign_days,
    )
    try:
        product, _ = await products.create_product(
            session, user=user, draft=await _draft_from_form(form, spec_file)
        )
    except HearthError as err:
        return _product_form(request, user, values=form, err=err)
    return _see_other(f"/partner/products/{product.id}")


@router.post("/partner/products/{product_id}/edit")
async def edit_product(
    request: Request,
    product_id: str,
    user: PartnerUser,
    session: SessionDep,
    name: Text = "",
    category: Text = "",
    description: Text = "",
    retail_price: Text = "",
    campaign_goal: Text = "",
    campaign_days: Text = "",
    spec_file: OptionalFile = None,
) -> Response:
    form = dict(
        name=name,
        category=category,
        description=description,
        retail_price=retail_price,
        campaign_goal=campaign_goal,
        campaign_days=campaign_days,
    )
    product = await products.get_product(session, user=user, product_id=product_id)
    try:
        await products.update_product(
            session,
            user=user,
            product_id=product_id,
            draft=await _draft_from_form(form, spec_file),
        )
    except HearthError as err:
        return _product_form(request, user, product=product, values=form, err=err)
    return _see_other(f"/partner/products/{product_id}?saved=1")


@router.get("/partner/products/{product_id}/edit")
async def edit_form(
    request: Request, product_id: str, user: PartnerUser, session: SessionDep
) -> Response:
    product = await products.get_product(session, user=user, product_id=product_id)
    if user.partner_id != product.partner_id:
        return _see_other(f"/platform/products/{product_id}")
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
    *,
    template: str,
    active: str,
    error: HearthError | None = None,
) -> Response:
    """Render a product's dossier, with a refused action's message if there was one."""
    found = await dossier.dossier(session, user=user, product_id=product_id)
    return render(
        request,
        template,
        user=user,
        active=active,
        d=found,
        money=format_money,
        error=error.message if error else None,
        status_code=error.status if error else 200,
    )


@router.get("/partner/products/{product_id}")
async def show_product(
    request: Request, product_id: str, user: PartnerUser, session: SessionDep
) -> Response:
    product = await products.get_product(session, user=user, product_id=product_id)
    if user.partner_id != product.partner_id:
        return _see_other(f"/platform/products/{product_id}")
    return await product_page(
        request, session, user, product_id, template="mall/partner/product.html", active="partner"
    )


@router.post("/partner/products/{product_id}/images")
async def add_image(
    request: Request,
    product_id: str,
    user: PartnerUser,
    session: SessionDep,
    storage: StorageDep,
    limit: Limit,
    image: OptionalFile = None,
) -> Response:
    try:
        if image is None or not image.filename:
            raise InvalidInput.fields([{"field": "image", "message": "choose an image"}])
        data = await image.read(limit + 1)
        await media.add_image(
            session, storage, user=user, product_id=product_id, data=data, max_bytes=limit
        )
    except HearthError as err:
        return await product_page(
            request,
            session,
            user,
            product_id,
            template="mall/partner/product.html",
            active="partner",
            error=err,
        )
    return _see_other(f"/partner/products/{product_id}#images")


@router.post("/partner/products/{product_id}/images/{image_id}/delete")
async def remove_image(
    product_id: str, image_id: str, user: PartnerUser, session: SessionDep, storage: StorageDep
) -> Response:
    stale = await media.remove_image(session, user=user, product_id=product_id, image_id=image_id)
    response = _see_other(f"/partner/products/{product_id}#images")
    response.background = BackgroundTask(storage.delete, stale)  # after the commit
    return response
