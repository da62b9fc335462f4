"""The FastAPI application: JSON API under ``/api/v1``, the HTML UI, health and metrics."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from hearth import __version__
from hearth.accounts import api as accounts_api
from hearth.accounts import pages as accounts_pages
from hearth.bootstrap import Hearth
from hearth.community import api as community_api
from hearth.community import api_duplicates as community_duplicates_api
from hearth.community import api_moderation as community_api_moderation
from hearth.community import api_releases as community_api_releases
from hearth.community import api_reviews as community_api_reviews
from hearth.community import pages as community_pages
from hearth.community import pages_duplicates as community_duplicates_pages
from hearth.community import pages_moderation as community_pages_moderation
from hearth.community import pages_releases as community_pages_releases
from hearth.community import pages_reviews as community_pages_reviews
from hearth.config import Settings
from hearth.funding import api as funding_api
from hearth.funding import api_backing as funding_api_backing
from hearth.funding import api_partner as funding_api_partner
from hearth.funding import api_platform as funding_api_platform
from hearth.funding import api_showcase as funding_api_showcase
from hearth.funding import pages as funding_pages
from hearth.funding import pages_backing as funding_pages_backing
from hearth.funding import pages_partner as funding_pages_partner
from hearth.funding import pages_platform as funding_pages_platform
from hearth.funding import pages_showcase as funding_pages_showcase
from hearth.homes import api as homes_api
from hearth.homes import api_devices as homes_api_devices
from hearth.homes import pages as homes_pages
from hearth.hub import api_broker as hub_api_broker
from hearth.hub import api_specs as hub_api_specs
from hearth.insights import api as insights_api
from hearth.insights import pages as insights_pages
from hearth.mall import api as mall_api
from hearth.mall import api_makers as mall_api_makers
from hearth.mall import api_partner as mall_api_partner
from hearth.mall import pages as mall_pages
from hearth.mall import pages_media as mall_pages_media
from hearth.mall import pages_partner as mall_pages_partner
from hearth.mall import pages_platform as mall_pages_platform
from hearth.mall.certification import api as certification_api
from hearth.mall.certification import pages as certification_pages
from hearth.notifications import api as notifications_api
from hearth.notifications import pages as notifications_pages
from hearth.payments import api as payments_api
from hearth.payments import pages as payments_pages
from hearth.sales import api as sales_api
from hearth.sales import pages as sales_pages
from hearth.scenes import api as scenes_api
from hearth.scenes import pages as scenes_pages
from hearth.scenes import service as scenes_service
from hearth.web import docs, health
from hearth.web.csrf import CsrfMiddleware
from hearth.web.errors import install_error_handlers
from hearth.web.middleware import NulGuard, RequestMiddleware
from hearth.web.openapi import install_contract
from hearth.web.routing import RouteIndex, flat_routes
from hearth.web.templating import make_templates

STATIC = Path(__file__).parent / "static"
API = "/api/v1"
# Every area's routers, in one list: JSON routers under /api/v1, pages at the root.
ROUTERS: list[tuple[APIRouter, str]] = [
    (health.router, ""),
    (docs.router, ""),
    (accounts_api.router, API),
    (payments_api.router, API),
    (hub_api_specs.router, API),
    (homes_api_devices.router, API),
    (mall_api_makers.router, API),
    (hub_api_broker.router, API),
    (mall_api.router, API),
    (notifications_api.router, API),
    (funding_api.router, API),
    (funding_api_backing.router, API),
    (funding_api_partner.router, API),
    (funding_api_platform.router, API),
    (funding_api_showcase.router, API),
    (sales_api.router, API),
    (community_api.router, API),
    (community_api_releases.router, API),
    (community_api_moderation.router, API),
    (community_duplicates_api.router, API),
    (community_api_reviews.router, API),
    (insights_api.router, API),
    (scenes_api.router, API),
    (homes_api.router, API),
    (mall_api_partner.router, API),
    (certification_api.router, API),
    (mall_pages_media.router, ""),
    (homes_pages.router, ""),
    (accounts_pages.router, ""),
    (community_pages.router, ""),
    (community_pages_releases.router, ""),
    (community_pages_moderation.router, ""),
    (community_duplicates_pages.router, ""),
    (community_pages_reviews.router, ""),
    (insights_pages.router, ""),
    (scenes_pages.router, ""),
    (funding_pages.router, ""),
    (funding_pages_backing.router, ""),
    (funding_pages_partner.router, ""),
    (funding_pages_platform.router, ""),
    (funding_pages_showcase.router, ""),
    (payments_pages.router, ""),
    (sales_pages.router, ""),
    (mall_pages_partner.router, ""),
    (mall_pages_platform.router, ""),
    (mall_pages.router, ""),
    (notifications_pages.router, ""),
    (certification_pages.router, ""),
]


@functools.cache
def _area_routes() -> tuple[APIRoute, ...]:
    """Every area's routes, made once per process: FastAPI reads each endpoint's signature
    and dependencies as a route is made (most of a second for hearth's routes), and nothing
    of a route belongs to one app, so every app a process builds (a test's, a benchmark's)
    shares them."""
    return tuple(route for router, prefix in ROUTERS for route in flat_routes(router, prefix))


def create_app(settings: Settings | None = None, *, hearth: Hearth | None = None) -> ASGIApp:
    """Build the ASGI app; it starts ``hearth`` (or one built from ``settings``) on startup."""
    if hearth is None:
        if settings is None:
            raise ValueError("create_app needs settings or a hearth")
        hearth = Hearth.from_settings(settings)
    runtime = hearth

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="hearth",
        version=__version__,
        summary="Home devices, smart scenes and a crowdfunding mall for a hardware ecosystem.",
        docs_url=None,  # served below, with its own content security policy
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
        # hearth counts and times requests itself (/metrics); FastAPI's OpenTelemetry hooks
        # would ask on every request whether anyone configured them.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.hearth = runtime
    app.state.templates = make_templates()
    app.state.home_panels = [scenes_pages.scene_strip]  # the home view shows the scenes
    app.state.place_hooks = [scenes_service.reschedule_home]  # schedules follow the home
    # A store shows its campaigns, and a buy box for each product on sale.
    app.state.store_panels = [funding_pages.store_panel, sales_pages.store_panel]
    app.state.product_panels = [funding_pages.product_panel]  # a product, its campaigns
    app.state.showcase_panels = [sales_pages.product_panel]  # a product page's buy box
    # The account page shows how notifications reach the person, and their saved cards.
    app.state.account_panels = [
        notifications_pages.preferences_panel,
        funding_pages_backing.cards_panel,
    ]
    install_error_handlers(app)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.router.routes.extend(_area_routes())
    install_contract(app)
    RouteIndex(app)
    app.add_middleware(NulGuard)  # inside the app: it renders its refusal as the app does

    # Outside the app: a refused request reaches no route.
    protected = CsrfMiddleware(
        app,
        secret=runtime.settings.secret,
        force_secure=bool(runtime.settings.cookie_secure),
        always_protect=frozenset(
            {"/login", "/signup", "/password/forgot", "/password/reset", "/account/email/verify"}
        ),
    )
    # Outermost: every line has the request's id, and refusals carry the headers too.
    return RequestMiddleware(protected)
