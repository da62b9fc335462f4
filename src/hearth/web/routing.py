"""Find a request's route by its path's segments, not by trying every route in turn.

FastAPI's router tries every included router in order, and every route of each, with a
regular expression per route, then tries the chosen router's routes again to dispatch;
hearth has about 250 routes in 30 routers, and a request for the last of them paid some
490 route matches, 0.8 ms of CPU on this project's machine, before any of its own work
(``bench/front_door.py`` measures the front door).

A route's path can only match request paths whose segments match its own, text for text
and any segment for a parameter: ``/api/v1/homes/{home_id}/live`` only paths such as
``/api/v1/homes/hom_1/live``. The app's routes are its own, each area router's routes
added one by one (``flat_routes``), and the index files each entry of the app's router
(a route or a mount) in a tree of segments, where a segment that is one parameter
(``{home_id}``) is a branch of its own. A request walks the tree down its path's
segments, taking the text's branch and the parameter's; the entries filed along the way
are the only ones that can match it, and a router made of just those, in the app's
order, dispatches it with FastAPI's own matching. Only a request that none of them
matches (a 404, a missing trailing slash) falls back to the app's whole router, so
redirects and not-found answers stay exactly FastAPI's.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

PARAMETER = "{}"  # the tree's key for a segment that is one path parameter
_ONE_PARAMETER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(:(str|int|float|uuid))?\}")


def literal_segments(path: str) -> tuple[str, ...]:
    """Return the segments of ``path`` up to the first that is not plain text or a whole
    one-segment parameter (``{name}``, kept as ``PARAMETER``): ``{name}.png`` and
    ``{rest:path}`` match more than one segment's worth, so the route is filed there."""
    segments = []
    for segment in path[1:].split("/"):
        if _ONE_PARAMETER.fullmatch(segment):
            segments.append(PARAMETER)
        elif "{" in segment:
            break
        else:
            segments.append(segment)
    return tuple(segments)


@dataclass
class _Node:
    entries: set[int] = field(default_factory=set)
    children: dict[str, _Node] = field(default_factory=dict)


class RouteIndex:
    """Dispatch each request among only the app's entries that can match its path."""

    def __init__(self, app: FastAPI) -> None:
        """Index ``app``'s router entries by their paths (one without a path of its own
        is tried for every request)."""
        router = app.router
        if router.middleware_stack != router.app:
            raise RuntimeError("the route index expects the app's router without middleware")
        self._router = router
        self._fallback = router.app
        self._root = _Node()
        for position, entry in enumerate(router.routes):
            node = self._root
            for segment in _segments_of(entry):
                node = node.children.setdefault(segment, _Node())
            node.entries.add(position)
        # A router per set of candidates met so far; there are at most as many as the
        # tree has ways down it, whatever paths requests ask for.
        self._dispatchers: dict[tuple[int, ...], ASGIApp] = {}
        router.middleware_stack = self

    def _reachable(self, path: str) -> tuple[int, ...]:
        """Walk the tree down ``path``'s segments, a parameter's branch beside the text's,
        collecting what is filed on the way: the positions of the entries that can match."""
        found = set(self._root.entries)
        nodes = [self._root]
        for segment in path[1:].split("/"):
            below = []
            for node in nodes:
                child = node.children.get(segment)
                if child is not None:
                    below.append(child)
                if segment:  # a parameter matches at least one character
                    child = node.children.get(PARAMETER)
                    if child is not None:
                        below.append(child)
            if not below:
                break
            for node in below:
                found |= node.entries
            nodes = below
        return tuple(sorted(found))

    def candidates(self, path: str) -> list[BaseRoute]:
        """Return the entries a request for ``path`` is matched against, in order."""
        return [self._router.routes[position] for position in self._reachable(path)]

    def _dispatcher(self, reachable: tuple[int, ...]) -> ASGIApp:
        dispatch = self._dispatchers.get(reachable)
        if dispatch is None:
            routes = [self._router.routes[position] for position in reachable]
            router = APIRouter(routes=routes, redirect_slashes=False, default=self._fallback)
            dispatch = self._dispatchers[reachable] = router.app
        return dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._fallback(scope, receive, send)
            return
        scope.setdefault("router", self._router)  # url_for looks routes up in the whole app
        await self._dispatcher(self._reachable(_route_path(scope)))(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """Return the path the routes see: the request's path below the app's root path (as
    Starlette's routing reads it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


# What an APIRoute is made of, but for its path, endpoint and app (given anew).
_ROUTE_PARTS = tuple(
    name
    for name in inspect.signature(APIRoute.__init__).parameters
    if name not in ("self", "path", "endpoint", "dependency_overrides_provider")
)


def flat_routes(router: APIRouter, prefix: str) -> list[APIRoute]:
    """Return each of ``router``'s routes under ``prefix``, as a route of its own for an
    app's router (``app.router.routes.extend``).

    ``include_router`` keeps an included router as one entry that matches a request by
    trying its routes, and tries them again to dispatch it: two passes over the router for
    every request (14 µs for the accounts router's 7 routes). Made one by one, each route is
    an entry of its own for the index. The area routers hold every setting of their routes
    (tags, dependencies, responses, whether they are in the schema), so nothing of an
    inclusion is lost. The routes belong to no app (hearth overrides no dependency), so
    one list serves every app a process builds."""
    made = []
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: hearth's routers hold API routes only")
        parts = {name: getattr(route, name) for name in _ROUTE_PARTS}
        made.append(type(route)(prefix + route.path, route.endpoint, **parts))
    return made


def _segments_of(entry: BaseRoute) -> tuple[str, ...]:
    """Return where to file ``entry``: under the segments of its path, or at the root
    (tried for every request) when it has no path of its own."""
    path = getattr(entry, "path", None)
    if not isinstance(path, str) or not path.startswith("/"):
        return ()
    return literal_segments(path)
