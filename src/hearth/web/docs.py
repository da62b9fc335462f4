"""The API's human-readable documentation: Swagger UI over the published contract."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_CDN = "https://cdn.jsdelivr.net"

router = APIRouter(tags=["operations"])


@router.get("/api/docs", include_in_schema=False)
async def api_docs(request: Request) -> HTMLResponse:
    """Return Swagger UI with a content security policy of its own: it loads its script and
    styles from a CDN and starts with one inline script, allowed by its hash."""
    app: FastAPI = request.app
    page = get_swagger_ui_html(openapi_url=app.openapi_url or "", title="hearth API")
    inline = re.findall(rb"<script>(.*?)</script>", bytes(page.body), re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in inline
    )
    page.headers["content-security-policy"] = (
        f"default-src 'none'; script-src {SWAGGER_CDN} {hashes}; style-src {SWAGGER_CDN}; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return page
