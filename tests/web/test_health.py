from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.web.app import create_app
from tests.conftest import make_settings
from tests.helpers import csrf_token, signup

METRICS_TOKEN = "scraper-token-0123456789"


@pytest.fixture
async def scraped(tmp_path: Path, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a hearth whose metrics are on, behind ``METRICS_TOKEN``."""
    runtime = Hearth.from_settings(
        make_settings(tmp_path, database_url, metrics_token=METRICS_TOKEN)
    )
    await runtime.start(mqtt=False)
    try:
        transport = httpx.ASGITransport(app=create_app(hearth=runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await runtime.stop()


async def test_healthz_reports_database_up_and_broker_down_when_not_started(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    response = await client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["database"]["ok"] is True
    assert body["database"]["dialect"] == hearth.engine.dialect.name
    assert body["broker"]["ok"] is False
    assert body["ok"] is False


async def test_metrics_are_off_unless_a_token_is_configured(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers={"accept": "text/plain"})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert "metrics_token" in response.json()["detail"]
    assert "hearth_http_requests_total" not in response.text


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token-0123456789", f"Basic {METRICS_TOKEN}", "Bearer"]
)
async def test_metrics_refuse_a_scraper_without_the_token(
    scraped: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"accept": "text/plain"} | ({"authorization": authorization} if authorization else {})
    response = await scraped.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert "hearth_http_requests_total" not in response.text


async def test_metrics_count_requests_per_route(scraped: httpx.AsyncClient) -> None:
    client = scraped
    await client.get("/api/v1/me")
    response = await client.get("/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    text = response.text
    assert 'hearth_http_requests_total{method="GET",route="/api/v1/me",status="401"}' in text
    assert "hearth_http_request_seconds_bucket" in text


async def test_openapi_docs_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/docs")).status_code == 200
    schema = (await client.get("/api/openapi.json")).json()
    assert "/api/v1/me" in schema["paths"]


async def test_unknown_api_path_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Not Found", "errors": []}


async def test_unknown_page_is_friendly_html_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing-here", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Traceback" not in response.text


async def test_malformed_json_is_a_4xx_naming_the_problem(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    response = await client.post(
        "/api/v1/auth/signup",
        content=b'{"username": "mia", "password": ',
        headers={"content-type": "application/json", "X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_input"
    assert "JSON" in body["detail"]


async def test_form_missing_a_field_gets_a_friendly_page(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    response = await client.post(
        "/login", data={"username": "mia", "csrftoken": client.cookies["csrftoken"]}
    )
    assert response.status_code == 422
    assert "Password: field required." in response.text
    assert "text/html" in response.headers["content-type"]


async def test_an_error_page_shows_who_is_signed_in_and_leads_back_to_the_form(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    missing = await client.get("/no/such/page")
    assert missing.status_code == 404
    assert "We could not find that page" in missing.text
    assert 'aria-label="Your account"' in missing.text
    assert "Log in</a>" not in missing.text

    token = await csrf_token(client)
    refused = await client.post(
        "/account/tokens",
        data={"csrftoken": token, "name": ""},
        headers={"referer": "http://testserver/account"},
    )
    assert refused.status_code == 422
    assert 'href="/account">Back to the form</a>' in refused.text
    assert 'aria-label="Your account"' in refused.text
    elsewhere = await client.post(
        "/account/tokens",
        data={"csrftoken": token, "name": ""},
        headers={"referer": "http://evil.example/account"},
    )
    assert "Back to the form" not in elsewhere.text
