"""Find a request's route by its path's leading literal segments, not by trying them all.

FastAPI's router tries every included router in order, and every route of each, with a
regular expression per route; hearth has about 250 routes in 30 routers, and a request
for the last of them paid some 490 route matches, 0.8 ms of CPU on this project's
machine, before any of its own work (``bench/front_door.py`` measures the front door).

A route's path can only match request paths that begin with its literal segments (those
before the first ``{parameter}``): ``/api/v1/homes/{home_id}/live`` only paths under
``/api/v1/homes``. The index files each of the app router's entries (an included router,
a route or a mount) under the literal segments of each of its paths, in a tree of
segments. A request walks the tree as far as its path's segments go; the entries filed
along the way are the only ones that can match it, and a router made of just those, in
the app's order, dispatches it with FastAPI's own matching. Only a request that none of
them matches (a 404, a missing trailing slash) falls back to the app's whole router, so
redirects and not-found answers stay exactly FastAPI's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send


def literal_segments(path: str) -> tuple[str, ...]:
    """Return the segments of ``path`` before the first one holding a ``{parameter}``."""
    segments = []
    for segment in path[1:].split("/"):
        if "{" in segment:
            break
        segments.append(segment)
    return tuple(segments)


@dataclass
class _Node:
    entries: set[int] = field(default_factory=set)
    children: dict[str, _Node] = field(default_factory=dict)
    reachable: list[int] = field(default_factory=list)
    dispatch: ASGIApp | None = None


class RouteIndex:
    """Dispatch each request among only the app's entries that can match its path."""

    def __init__(self, app: FastAPI, paths: dict[int, list[str] | None]) -> None:
        """Index ``app``'s router entries; ``paths`` gives, by position, the paths an
        included router serves (an entry with a ``path`` of its own needs none, and one
        with neither is tried for every request)."""
        router = app.router
        if router.middleware_stack != router.app:
            raise RuntimeError("the route index expects the app's router without middleware")
        self._router = router
        self._fallback = router.app
        self._root = _Node()
        for position, entry in enumerate(router.routes):
            for segments in _segments_of(entry, paths.get(position)):
                node = self._root
                for segment in segments:
                    node = node.children.setdefault(segment, _Node())
                node.entries.add(position)
        self._build(self._root, set())
        router.middleware_stack = self

    def _build(self, node: _Node, above: set[int]) -> None:
        # A request whose walk ends here can match what is filed here and above it.
        reachable = above | node.entries
        node.reachable = sorted(reachable)
        routes = [self._router.routes[position] for position in node.reachable]
        node.dispatch = APIRouter(routes=routes, redirect_slashes=False, default=self._fallback).app
        for child in node.children.values():
            self._build(child, reachable)

    def _walk(self, path: str) -> _Node:
        node = self._root
        for segment in path[1:].split("/"):
            child = node.children.get(segment)
            if child is None:
                break
            node = child
        return node

    def candidates(self, path: str) -> list[BaseRoute]:
        """Return the entries a request for ``path`` is matched against, in order."""
        return [self._router.routes[position] for position in self._walk(path).reachable]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._fallback(scope, receive, send)
            return
        scope.setdefault("router", self._router)  # url_for looks routes up in the whole app
        dispatch = self._walk(_route_path(scope)).dispatch
        assert dispatch is not None
        await dispatch(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """Return the path the routes see: the request's path below the app's root path (as
    Starlette's routing reads it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


def served_paths(router: APIRouter, prefix: str) -> list[str] | None:
    """Return the paths ``router`` serves once included under ``prefix`` (None when it
    includes routers of its own, whose paths it does not list)."""
    paths = [getattr(route, "path", None) for route in router.routes]
    return [prefix + path for path in paths if isinstance(path, str)] if all(paths) else None


def _segments_of(entry: BaseRoute, given: list[str] | None) -> list[tuple[str, ...]]:
    """Return where to file ``entry``: under the literal segments of each of its paths, or
    at the root (tried for every request) when its paths are not known."""
    own = getattr(entry, "path", None)
    paths = list(given) if given is not None else [own] if isinstance(own, str) else []
    if not paths or not all(path.startswith("/") for path in paths):
        return [()]
    return [literal_segments(path) for path in paths]
