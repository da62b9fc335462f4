"""Jinja2 templates with what every page needs: the user, the CSRF token, the navigation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.responses import Response

from hearth import __version__
from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.kit import prose
from hearth.web import timefmt

if TYPE_CHECKING:
    from hearth.web.deps import Viewer

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str
    icon: str
    capability: Capability | None = None


NAVIGATION = (
    NavItem("home", "Home", "/", "home"),
    NavItem("scenes", "Scenes", "/scenes", "scenes"),
    NavItem("store", "Store", "/store", "store"),
    NavItem("community", "Community", "/community", "community"),
    NavItem("partner", "Partner", "/partner", "partner", Capability.PARTNER_CONSOLE),
    NavItem("platform", "Platform", "/platform", "platform", Capability.REVIEW),
)


def navigation_for(user: User | Viewer | None) -> list[NavItem]:
    """Return the tabs this user may open."""
    return [
        item
        for item in NAVIGATION
        if item.capability is None or (user is not None and can(user.role, item.capability))
    ]


def csrf_token(request: Request) -> str:
    getter = request.scope.get("csrftoken")
    return str(getter()) if getter else ""


@pass_context
def count(context: Context, number: int, singular: str, plural: str | None = None) -> str:
    """Say how many of something, in the viewer's digits: "1 backer", "12,000 backers"."""
    digits = format_decimal(number, locale=timefmt.viewer_locale(context.get("request")))
    return f"{digits} {singular if number == 1 else plural or singular + 's'}"


def markdown(text: str | None) -> Markup:
    """Show Markdown a person wrote as sanitised HTML (``hearth.kit.prose``)."""
    return Markup(prose.render(text or ""))  # noqa: S704 - sanitised by nh3


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.globals["version"] = __version__
    timefmt.install(templates.env)
    templates.env.filters["count"] = count
    templates.env.filters["markdown"] = markdown
    return templates


def render(
    request: Request,
    template: str,
    *,
    user: User | Viewer | None,
    active: str = "",
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a page of the app shell."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "nav": navigation_for(user),
            "active": active,
            "csrf_token": csrf_token(request),
            **context,
        },
        status_code=status_code,
    )
