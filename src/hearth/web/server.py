"""The HTTP server hearth runs on: one place, so `hearth serve`, `hearth demo` and the
front-door benchmark's hello world all run on the same stack with the same options."""

from __future__ import annotations


def run(target: str, *, host: str, port: int, workers: int) -> None:
    """Serve the ASGI app built by the factory ``target`` (``module:function``) until stopped."""
    import uvicorn

    uvicorn.run(
        target,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
        access_log=False,
        lifespan="on",
    )
