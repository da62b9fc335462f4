"""The partner's campaign form reaches what the API takes: the story in Markdown, risks, any
number of FAQ entries and a shipping table, kept as typed when a save is refused, editable
on a draft and on a launch sent back, and shown in the preview."""

from __future__ import annotations

from typing import Any

import httpx

from tests.funding.test_api import campaign_body, send
from tests.helpers import csrf_token

STORY = "## Why a lamp\n\nIt wakes you **gently**.\n\n- warm white\n- cool white"


def _form(token: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrftoken": token,
        "title": "Lumi Garden",
        "goal": "900.00",
        "starts_at": "2026-11-02T08:00",
        "ends_at": "2026-11-22T20:00",
        "delivery_on": "2027-01-15",
        "description": STORY,
        "risks": "The shade's supplier is new.",
        "tier_title": ["Early bird", "Standard", ""],
        "tier_description": ["One lamp", "One lamp", ""],
        "tier_price": ["99.00", "119.00", ""],
        "tier_retail": ["149.00", "149.00", ""],
        "tier_limit": ["50", "", ""],
        "tier_per_backer": ["2", "", ""],
        "tier_closes": ["", "", ""],
        "tier_early_bird": ["yes", "", ""],
        "faq_question": ["Does it need a hub?", "Can I change my tier?", ""],
        "faq_answer": ["No, it joins over **Wi-Fi**.", "Yes, while the campaign is live.", ""],
        "shipping_country": ["CN", "us", ""],
        "shipping_cost": ["0.00", "60.00", ""],
        **fields,
    }


async def _only_campaign(leo: httpx.AsyncClient) -> dict[str, Any]:
    [shown] = (await leo.get("/api/v1/partner/campaigns")).json()
    return shown  # type: ignore[no-any-return]


async def test_the_form_saves_the_story_risks_faq_and_shipping_as_the_api_reads_them(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    made = await leo.post(
        "/partner/campaigns",
        data=_form(await csrf_token(leo), product_id=mall["products"]["leo"]),
    )
    assert made.status_code == 303, made.text
    shown = await _only_campaign(leo)
    assert shown["description"] == STORY
    assert shown["risks"] == "The shade's supplier is new."
    assert shown["faq"] == [
        {"question": "Does it need a hub?", "answer": "No, it joins over **Wi-Fi**."},
        {"question": "Can I change my tier?", "answer": "Yes, while the campaign is live."},
    ]
    assert [(r["country"], r["cost"]["amount"]) for r in shown["shipping"]] == [
        ("CN", 0),
        ("US", 6000),
    ]
    assert [(t["title"], t["early_bird"]) for t in shown["tiers"]] == [
        ("Early bird", True),
        ("Standard", False),
    ]


async def test_a_refused_save_names_the_bad_row_and_keeps_every_faq_and_shipping_row(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    refused = await leo.post(
        "/partner/campaigns",
        data=_form(
            await csrf_token(leo),
            product_id=mall["products"]["leo"],
            faq_question=["Does it need a hub?", ""],
            faq_answer=["No.", "An answer without its question"],
            shipping_country=["CN", "China", "DE"],
            shipping_cost=["0.00", "25.00", "about 60"],
        ),
    )
    assert refused.status_code == 422
    text = refused.text
    assert "Faq 2 question: string should have at least 1 character." in text
    assert "Shipping 2 country: a two-letter country code, such as CN or US." in text
    assert "Shipping 3 cost: an amount in digits 0-9" in text
    assert 'value="China"' in text and 'value="about 60"' in text and 'value="DE"' in text
    assert "An answer without its question" in text and "**Wi-Fi**" not in text
    assert "It wakes you **gently**." in text  # the story, as typed
    assert (await leo.get("/api/v1/partner/campaigns")).json() == []

    twice = await leo.post(
        "/partner/campaigns",
        data=_form(
            await csrf_token(leo),
            product_id=mall["products"]["leo"],
            shipping_country=["US", "us"],
            shipping_cost=["60.00", "70.00"],
        ),
    )
    assert twice.status_code == 422
    assert "Shipping: one rate per country; US given more than once." in twice.text


async def test_a_launch_sent_back_is_edited_with_its_faq_and_shipping_and_previewed(
    mall: dict[str, Any],
) -> None:
    leo, ada = mall["clients"]["leo"], mall["clients"]["ada"]
    body = campaign_body(
        mall["products"]["leo"],
        description="Plain words.\nA second line.",
        faq=[
            {"question": "Old question?", "answer": "Old answer."},
            {"question": "Kept question?", "answer": "Kept answer."},
        ],
        shipping=[{"country": "CN", "cost": "0.00"}, {"country": "SG", "cost": "45.00"}],
    )
    campaign_id = (await send(leo, "POST", "/api/v1/partner/campaigns", body)).json()["id"]
    await send(leo, "POST", f"/api/v1/partner/campaigns/{campaign_id}/submit")
    sent_back = await send(
        ada,
        "POST",
        f"/api/v1/platform/launches/{campaign_id}/send-back",
        {"reason": "Say what shipping to Germany costs."},
    )
    assert sent_back.json()["state"] == "sent_back", sent_back.text

    page = await leo.get(f"/partner/campaigns/{campaign_id}/edit")
    assert page.status_code == 200
    for typed in ('value="Old question?"', "Kept answer.", 'value="SG"', 'value="45.00"'):
        assert typed in page.text
    saved = await leo.post(
        f"/partner/campaigns/{campaign_id}/edit",
        data=_form(
            await csrf_token(leo),
            faq_question=["", "Kept question?"],  # the first emptied: removed
            faq_answer=["", "Kept answer."],
            shipping_country=["CN", "SG", "DE"],
            shipping_cost=["0.00", "45.00", "60.00"],
            then="preview",
        ),
    )
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"/partner/campaigns/{campaign_id}/preview")
    shown = await _only_campaign(leo)
    assert shown["state"] == "sent_back"
    assert shown["faq"] == [{"question": "Kept question?", "answer": "Kept answer."}]
    assert [r["country"] for r in shown["shipping"]] == ["CN", "DE", "SG"]

    preview = (await leo.get(saved.headers["location"])).text
    assert "<h4>Why a lamp</h4>" in preview and "<strong>gently</strong>" in preview
    assert "<li>warm white</li>" in preview
    assert "<p>The shade's supplier is new.</p>" in preview
    assert "Kept question?" in preview and "Old question?" not in preview
    assert "<td>DE</td><td>¥60.00</td>" in preview


async def test_a_story_cannot_carry_html_or_script_links_onto_the_campaign_page(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    story = (
        '<script>alert("story")</script> [press](javascript:alert(1)) [site](https://lumi.example)'
    )
    body = campaign_body(mall["products"]["leo"], description=story, risks="<b>bold</b>")
    campaign_id = (await send(leo, "POST", "/api/v1/partner/campaigns", body)).json()["id"]
    page = (await leo.get(f"/partner/campaigns/{campaign_id}/preview")).text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert 'href="javascript' not in page and "[press](javascript:alert(1))" in page
    assert '<a href="https://lumi.example" rel="nofollow noopener noreferrer ugc">site</a>' in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
