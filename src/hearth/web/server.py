"""The HTTP server hearth runs on: one place, so `hearth serve`, `hearth demo` and the
front-door benchmark's hello world all run on the same stack with the same options.

Two kept servers can run it, chosen by the ``http_server`` setting: uvicorn (with uvloop
and httptools) and granian (Rust's hyper and tokio under an asyncio loop). Both run the
app's lifespan, stop gracefully on SIGTERM, and fork ``workers`` processes that each build
the app from the factory. Neither is trusted with proxy headers: the app factory wraps the
app in uvicorn's proxy-headers middleware itself, so both read ``X-Forwarded-For`` from
127.0.0.1 alike (``hearth.web.main``).
"""

from __future__ import annotations

from typing import Literal

Server = Literal["uvicorn", "granian"]


def run(target: str, *, host: str, port: int, workers: int, server: Server = "uvicorn") -> None:
    """Serve the ASGI app built by the factory ``target`` (``module:function``) until stopped."""
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            target,
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            factory=True,
            log_enabled=False,  # hearth logs for itself, in its own format
            log_access=False,  # the app writes the access line
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        target,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=False,  # see above: the app reads them
        access_log=False,
        lifespan="on",
    )
