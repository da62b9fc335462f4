"""Who may use every route: one rule per route, API and pages.

Each rule names the actors who may use the route on the object its path points at (see
``DEFAULT_ARGS`` in ``matrix.py`` for what a parameter points at unless the rule says), and a
request they would send. Everyone else must be turned away with nothing changed. A new route
cannot be added without a rule here: the matrix test fails on any route missing from this
table.
"""

from __future__ import annotations

from typing import Any

from tests.web.attack.matrix import Rule, rule
from tests.web.attack.world import (
    ACTORS,
    ADMIN,
    ANONYMOUS,
    FAN,
    MEMBER,
    OWNER,
    PARTNER,
    PNG,
    REVIEWER,
    RIVAL,
    STRANGER,
    World,
)

EVERYONE = frozenset(ACTORS)
SIGNED_IN = EVERYONE - {ANONYMOUS}
NOBODY: frozenset[str] = frozenset()
HOME_A = {OWNER, MEMBER}  # the people of home A
SELLER = {PARTNER}  # the company behind the demo products and campaigns
STAFF = {REVIEWER, ADMIN}
MAKER = SELLER | {ADMIN}  # a company's device models: its members, and the platform's admin
PARTNERS = {PARTNER, RIVAL}
NOT_PARTNERS = SIGNED_IN - PARTNERS
DRAFT = {"product_id": "product_p_draft", "image_id": "image_p_draft"}  # the partner's draft
IMAGE = {"image": ("shot.png", PNG, "image/png")}
LOGO = {"logo": ("logo.png", PNG, "image/png")}
_LOWEST = {"sort": "lowest"}
SHIPPING = {
    "name": "Mia Chen",
    "line1": "1 Long Street",
    "city": "Shenzhen",
    "postal_code": "518000",
    "country": "CN",
}


def _verify(world: World) -> Any:
    return {"token": world["verify_token"]}


def _reset(world: World) -> Any:
    return {"token": world["reset_token"], "password": "a-brand-new-password"}


def _scene(world: World) -> Any:
    return world.documents["scene"]


def _automation(world: World) -> Any:
    return world.documents["automation"]


def _pledge(world: World) -> Any:
    return {
        "tier_id": world["tier_live"],
        "quantity": 1,
        "card_id": world["card_owner"],
        "shipping": SHIPPING,
    }


def _campaign(world: World) -> Any:
    return {
        "product_id": world["product_p"],
        "title": "Lumi Glow Trio",
        "goal": "500.00",
        "starts_at": "2027-03-01T08:00:00Z",
        "ends_at": "2027-03-20T08:00:00Z",
        "delivery_date": "2027-05-20T08:00:00Z",
        "tiers": [{"title": "Three", "price": "299.00", "retail_price": "349.00"}],
    }


DRAFT_CAMPAIGN = {"campaign_id": "campaign_draft"}
SUBMITTED = {"campaign_id": "campaign_submitted"}  # a launch waiting for review
CAMPAIGN_FORM = {
    "title": "Lumi Glow Trio",
    "goal": "500.00",
    "starts_at": "2027-03-01T08:00",
    "ends_at": "2027-03-20T20:00",
    "delivery_on": "2027-05-20",
    "tier_title": "Three",
    "tier_description": "Three lamps and their cables",
    "tier_price": "299.00",
    "tier_retail": "349.00",
    "tier_limit": "",
    "tier_per_backer": "2",
    "tier_closes": "",
}


REPORTED = {"kind": "=suggestion", "item_id": "suggestion_owner"}  # the member reported it
HIDDEN = {"kind": "=suggestion", "item_id": "suggestion_hidden"}  # the fan's, hidden
WHY = {"reason": "Checked by the platform team."}
REVIEWED = {"kind": "=review", "item_id": "review_owner"}  # the owner's review of the lamp
ASKED = {"kind": "=question", "item_id": "question_owner"}  # the owner's, on the live campaign


def _report(world: World) -> Any:
    return {"target_kind": "suggestion", "target_id": world["suggestion_owner"], "reason": "spam"}


NOTE = {"version": "=1.3"}  # the lamp's partner's note on the lamp's board
SHOWN = {"image_id": "suggestion_image_owner"}  # the owner's image on their suggestion
SUGGESTION_IMAGE = {"images": ("idea.png", PNG, "image/png")}


def _release(world: World) -> Any:
    """A note that ships the owner's suggestion on the lamp's board."""
    return {"version": "1.4", "title": "Warmer light", "suggestions": [world["suggestion_owner"]]}


def _release_form(world: World) -> Any:
    return {
        "version": "1.4",
        "title": "Warmer light",
        "body": "",
        "date": "",
        "suggestions": world["suggestion_owner"],
    }


def _tracking(world: World) -> str:
    return f"order_id,carrier,tracking_number\n{world['order_fan']},SF Express,SF7000009999\n"


RULES: list[Rule] = [
    # -- health and the API's own documents ----------------------------------------------
    rule("GET", "/healthz", EVERYONE, ok={200, 503}),  # 503: this copy runs no broker
    rule("GET", "/metrics", NOBODY),  # a scraper with the metrics token, which no person has
    rule("GET", "/api/docs", EVERYONE),
    # -- accounts -------------------------------------------------------------------------
    rule(
        "POST",
        "/api/v1/auth/signup",
        EVERYONE,
        json={"username": "newcomer", "password": "a-long-enough-password"},
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/auth/login",
        EVERYONE,
        json={"username": "member", "password": "a-long-enough-password"},
    ),
    rule("POST", "/api/v1/auth/logout", EVERYONE, ok={204}),
    rule("GET", "/api/v1/me", SIGNED_IN),
    rule("GET", "/api/v1/tokens", SIGNED_IN),
    rule("POST", "/api/v1/tokens", SIGNED_IN, json={"name": "laptop"}, ok={201}),
    rule("DELETE", "/api/v1/tokens/{token_id}", {OWNER}),
    rule("GET", "/login", EVERYONE),
    rule(
        "POST",
        "/login",
        EVERYONE,
        form={"username": "member", "password": "a-long-enough-password"},
    ),
    rule("GET", "/signup", EVERYONE),
    rule(
        "POST",
        "/signup",
        EVERYONE,
        form={"username": "newcomer", "password": "a-long-enough-password"},
    ),
    rule("POST", "/logout", EVERYONE),
    rule("GET", "/account", SIGNED_IN),
    rule("POST", "/account/tokens", SIGNED_IN, form={"name": "laptop"}),
    rule("POST", "/account/tokens/{token_id}/revoke", {OWNER}),
    rule("PATCH", "/api/v1/me", SIGNED_IN, json={"display_name": "Someone New"}),
    rule("PUT", "/api/v1/me/email", SIGNED_IN, json={"email": "someone@example.com"}),
    rule("DELETE", "/api/v1/me/email", SIGNED_IN),
    # Those without an address are told to add one first (409).
    rule("POST", "/api/v1/me/email/verification", SIGNED_IN, ok={202, 409}),
    rule("POST", "/api/v1/auth/email/verify", EVERYONE, json=_verify),
    # Everyone may try; only the owner of the account knows its password (403 for the others).
    rule(
        "POST",
        "/api/v1/me/password",
        SIGNED_IN,
        json={"current_password": "hearth-fan-demo", "new_password": "a-brand-new-password"},
        ok={200, 403},
    ),
    rule(
        "POST",
        "/api/v1/auth/password/forgot",
        EVERYONE,
        json={"email": "owner@example.com"},
        ok={202},
    ),
    rule("POST", "/api/v1/auth/password/reset", EVERYONE, json=_reset),
    rule("GET", "/api/v1/me/addresses", SIGNED_IN),
    rule("POST", "/api/v1/me/addresses", SIGNED_IN, json=SHIPPING, ok={201}),
    rule("GET", "/api/v1/me/addresses/{address_id}", {OWNER}),
    rule("PUT", "/api/v1/me/addresses/{address_id}", {OWNER}, json=SHIPPING),
    rule("DELETE", "/api/v1/me/addresses/{address_id}", {OWNER}, ok={204}),
    rule("GET", "/api/v1/notifications/preferences", SIGNED_IN),
    rule(
        "PUT",
        "/api/v1/notifications/preferences",
        SIGNED_IN,
        json=[{"topic": "orders", "in_app": True, "email": False}],
    ),
    rule("POST", "/account/profile", SIGNED_IN, form={"display_name": "Someone New"}),
    rule("POST", "/account/email", SIGNED_IN, form={"email": "someone@example.com"}),
    rule("POST", "/account/email/resend", SIGNED_IN, ok={303, 409}),
    rule("POST", "/account/email/remove", SIGNED_IN),
    rule("GET", "/account/email/verify/{token}", EVERYONE, args={"token": "verify_token"}),
    rule("POST", "/account/email/verify", EVERYONE, form=_verify),
    rule(
        "POST",
        "/account/password",
        SIGNED_IN,
        form={"current_password": "hearth-fan-demo", "new_password": "a-brand-new-password"},
        ok={303, 403},
    ),
    rule("POST", "/account/addresses", SIGNED_IN, form=SHIPPING),
    rule("GET", "/account/addresses/{address_id}", {OWNER}),
    rule("POST", "/account/addresses/{address_id}", {OWNER}, form=SHIPPING),
    rule("POST", "/account/addresses/{address_id}/default", {OWNER}),
    rule("POST", "/account/addresses/{address_id}/delete", {OWNER}),
    rule("POST", "/account/notifications", SIGNED_IN, form={"orders.email": "on"}),
    rule("GET", "/password/forgot", EVERYONE),
    rule("POST", "/password/forgot", EVERYONE, form={"email": "owner@example.com"}),
    rule("GET", "/password/reset/{token}", EVERYONE, args={"token": "reset_token"}),
    # Every session ends, and the log-in page says so.
    rule("POST", "/password/reset", EVERYONE, form=_reset, ok={303}),
    # -- the community: anyone reads, a person acts, the board's owner alone answers -------
    rule("GET", "/api/v1/community/boards", EVERYONE, query={"mine": "owned"}),
    rule("GET", "/api/v1/community/boards/{board_id}", EVERYONE),
    rule("GET", "/api/v1/community/boards/{board_id}/suggestions", EVERYONE, query={"q": "warm"}),
    rule(
        "POST",
        "/api/v1/community/boards/{board_id}/suggestions",
        SIGNED_IN - {STRANGER},
        json={"title": "Sunset mode", "body": "Dim slowly.", "category": "feature"},
        ok={201},
        refused={STRANGER: 403},  # muted by a moderator
    ),
    rule("GET", "/api/v1/community/search", EVERYONE, query={"q": "warmer"}),
    rule("GET", "/api/v1/community/suggestions/{suggestion_id}", EVERYONE),
    rule("PUT", "/api/v1/community/suggestions/{suggestion_id}/vote", SIGNED_IN),
    rule("DELETE", "/api/v1/community/suggestions/{suggestion_id}/vote", SIGNED_IN),
    rule("PUT", "/api/v1/community/suggestions/{suggestion_id}/follow", SIGNED_IN),
    rule("DELETE", "/api/v1/community/suggestions/{suggestion_id}/follow", SIGNED_IN),
    # The lamp's partner answers its board; a fan, the rival and the platform team may not.
    rule(
        "POST",
        "/api/v1/community/suggestions/{suggestion_id}/answers",
        SELLER,
        json={"status": "planned", "answer": "Coming in 1.4."},
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/community/suggestions/{suggestion_id}/comments",
        SIGNED_IN - {STRANGER},
        json={"body": "Agreed."},
        ok={201},
        refused={STRANGER: 403},  # muted by a moderator
    ),
    rule("PATCH", "/api/v1/community/comments/{comment_id}", {OWNER}, json={"body": "Me too!"}),
    rule("DELETE", "/api/v1/community/comments/{comment_id}", {OWNER}, ok={204}),
    rule("GET", "/community", EVERYONE, query={"mine": "backed"}),
    rule("GET", "/community/search", EVERYONE, query={"q": "warmer"}),
    rule("GET", "/community/boards/{board_id}", EVERYONE, query={"sort": "top"}),
    rule("GET", "/community/boards/{board_id}/new", SIGNED_IN),
    rule(
        "POST",
        "/community/boards/{board_id}/suggestions",
        SIGNED_IN - {STRANGER},
        form={"title": "Sunset mode", "body": "", "category": "feature"},
        refused={STRANGER: 403},  # muted: the form says until when
    ),
    rule("GET", "/community/suggestions/{suggestion_id}", EVERYONE),
    rule("POST", "/community/suggestions/{suggestion_id}/vote", SIGNED_IN, form={}),
    rule(
        "POST", "/community/suggestions/{suggestion_id}/follow", SIGNED_IN, form={"following": "no"}
    ),
    rule(
        "POST",
        "/community/suggestions/{suggestion_id}/answers",
        SELLER,
        form={"status": "planned", "answer": "Coming in 1.4."},
    ),
    rule(
        "POST",
        "/community/suggestions/{suggestion_id}/comments",
        SIGNED_IN - {STRANGER},
        form={"body": "Yes"},
        refused={STRANGER: 403},  # muted: the page says until when
    ),
    rule("POST", "/community/comments/{comment_id}/edit", {OWNER}, form={"body": "Me too!"}),
    rule("POST", "/community/comments/{comment_id}/delete", {OWNER}, form={}),
    # -- release notes: anyone reads a board's, its owner alone publishes and edits them;
    # -- images on a suggestion: anyone sees them, its author alone adds and removes them --
    rule("GET", "/api/v1/community/boards/{board_id}/releases", EVERYONE),
    rule(
        "POST",
        "/api/v1/community/boards/{board_id}/releases",
        SELLER,
        json=_release,
        ok={201},
    ),
    rule("GET", "/api/v1/community/boards/{board_id}/releases/{version}", EVERYONE, args=NOTE),
    rule(
        "PATCH",
        "/api/v1/community/boards/{board_id}/releases/{version}",
        SELLER,
        args=NOTE,
        json={"title": "Steadier, warmer light"},
    ),
    rule("GET", "/api/v1/community/suggestions/{suggestion_id}/images", EVERYONE),
    rule(
        "POST",
        "/api/v1/community/suggestions/{suggestion_id}/images",
        {OWNER},
        files=SUGGESTION_IMAGE,
        ok={201},
    ),
    rule(
        "DELETE",
        "/api/v1/community/suggestions/{suggestion_id}/images/{image_id}",
        {OWNER},
        args=SHOWN,
        ok={204},
    ),
    rule("GET", "/community/boards/{board_id}/changelog", EVERYONE),
    rule("GET", "/community/boards/{board_id}/changelog.atom", EVERYONE),
    rule("GET", "/community/boards/{board_id}/releases/new", SELLER),
    rule("POST", "/community/boards/{board_id}/releases", SELLER, form=_release_form),
    rule("GET", "/community/boards/{board_id}/releases/{version}/edit", SELLER, args=NOTE),
    rule(
        "POST",
        "/community/boards/{board_id}/releases/{version}/edit",
        SELLER,
        args=NOTE,
        form={"title": "Steadier, warmer light", "body": "Less flicker."},
    ),
    rule("POST", "/community/suggestions/{suggestion_id}/images", {OWNER}, files=SUGGESTION_IMAGE),
    rule(
        "POST",
        "/community/suggestions/{suggestion_id}/images/{image_id}/delete",
        {OWNER},
        args=SHOWN,
        form={},
    ),
    rule("GET", "/media/community/{image_id}", EVERYONE, args=SHOWN),
    # -- community moderation: anyone signed in reports (not their own: the owner's suggestion
    # here, which the member reported already); the platform team alone moderates, partners
    # do not -------------------------------------------------------------------------------
    rule(
        "POST",
        "/api/v1/community/reports",
        SIGNED_IN - {OWNER, MEMBER},
        json=_report,
        ok={201},
        refused={MEMBER: 409},
    ),
    rule("GET", "/api/v1/community/moderation/queue", STAFF),
    rule("GET", "/api/v1/community/moderation/items/{kind}/{item_id}", STAFF, args=REPORTED),
    rule(
        "POST",
        "/api/v1/community/moderation/items/{kind}/{item_id}/hide",
        STAFF,
        args=REPORTED,
        json=WHY,
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/community/moderation/items/{kind}/{item_id}/restore",
        STAFF,
        args=HIDDEN,
        json=WHY,
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/community/moderation/items/{kind}/{item_id}/dismiss",
        STAFF,
        args=REPORTED,
        json=WHY,
        ok={201},
    ),
    rule("GET", "/api/v1/community/moderation/actions", STAFF),
    rule("GET", "/api/v1/community/moderation/mutes", STAFF),
    rule(
        "POST",
        "/api/v1/community/moderation/mutes",
        STAFF,
        json=lambda w: {"user_id": w["user_member"], "reason": "Adverts.", "hours": 1},
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/community/moderation/mutes/{mute_id}/lift",
        STAFF,
        args={"mute_id": "mute_stranger"},
        json=WHY,
    ),
    rule("GET", "/community/report/{kind}/{item_id}", SIGNED_IN, args=REPORTED),
    rule(
        "POST",
        "/community/report/{kind}/{item_id}",
        SIGNED_IN - {OWNER, MEMBER},
        args=REPORTED,
        form={"reason": "spam", "note": ""},
        refused={MEMBER: 409},
    ),
    rule("GET", "/platform/community", STAFF),
    rule("GET", "/platform/community/{kind}/{item_id}", STAFF, args=REPORTED),
    rule("POST", "/platform/community/{kind}/{item_id}/hide", STAFF, args=REPORTED, form=WHY),
    rule("POST", "/platform/community/{kind}/{item_id}/restore", STAFF, args=HIDDEN, form=WHY),
    rule("POST", "/platform/community/{kind}/{item_id}/dismiss", STAFF, args=REPORTED, form=WHY),
    rule(
        "POST",
        "/platform/community/{kind}/{item_id}/mute",
        STAFF,
        args=REPORTED,
        form={"reason": "Adverts.", "hours": "24", "until": ""},
    ),
    rule(
        "POST",
        "/platform/community/mutes/{mute_id}/lift",
        STAFF,
        args={"mute_id": "mute_stranger"},
        form=WHY,
    ),
    # -- duplicates: anyone finds similar ones; the board's owner alone merges -------------
    rule(
        "GET",
        "/api/v1/community/boards/{board_id}/similar",
        EVERYONE,
        query={"title": "warmer lamp light"},
    ),
    rule("GET", "/community/boards/{board_id}/similar", EVERYONE, query={"title": "warmer lamp"}),
    # The owner's copy merges into their first on the lamp's board: its partner alone may; a
    # fan, the rival partner and the platform team may not.
    rule(
        "POST",
        "/api/v1/community/suggestions/{suggestion_id}/merge",
        SELLER,
        args={"suggestion_id": "suggestion_copy"},
        json=lambda world: {"into_id": world["suggestion_owner"]},
    ),
    rule(
        "POST",
        "/community/suggestions/{suggestion_id}/merge",
        SELLER,
        args={"suggestion_id": "suggestion_copy"},
        form=lambda world: {"into": world["suggestion_owner"]},
    ),
    # -- reviews and campaign questions: anyone reads; only the buyer of a delivered order
    # reviews it (anyone else's order is not found); the product's partner alone answers.
    rule("GET", "/api/v1/community/products/{product_id}/rating", EVERYONE),
    rule("GET", "/api/v1/community/products/{product_id}/reviews", EVERYONE, query=_LOWEST),
    rule(
        "PUT",
        "/api/v1/community/orders/{order_id}/reviews/{product_id}",
        {OWNER},
        args={"order_id": "order_sale"},
        json={"stars": 5, "title": "Even better now"},
    ),
    rule(
        "POST",
        "/api/v1/community/reviews/{review_id}/answer",
        SELLER,
        args={"review_id": "review_owner"},
        json={"answer": "Thank you!"},
    ),
    rule("GET", "/api/v1/community/campaigns/{campaign_id}/questions", EVERYONE),
    rule(
        "POST",
        "/api/v1/community/campaigns/{campaign_id}/questions",
        SIGNED_IN - {STRANGER},
        json={"question": "Is the shade washable?"},
        ok={201},
        refused={STRANGER: 403},  # muted by a moderator
    ),
    rule(
        "POST",
        "/api/v1/community/questions/{question_id}/answer",
        SELLER,
        args={"question_id": "question_owner"},
        json={"answer": "Yes, for 60 yuan."},
    ),
    rule("GET", "/community/products/{product_id}/rating", EVERYONE),
    rule("GET", "/community/products/{product_id}/reviews", EVERYONE, query={"stars": "4"}),
    rule(
        "GET",
        "/community/orders/{order_id}/reviews/{product_id}",
        {OWNER},
        args={"order_id": "order_sale"},
    ),
    rule(
        "POST",
        "/community/orders/{order_id}/reviews/{product_id}",
        {OWNER},
        args={"order_id": "order_sale"},
        form={"stars": "5", "title": "Even better now"},
    ),
    rule(
        "POST",
        "/community/reviews/{review_id}/answer",
        SELLER,
        args={"review_id": "review_owner"},
        form={"answer": "Thank you!"},
    ),
    rule("GET", "/community/campaigns/{campaign_id}/panel", EVERYONE),
    rule("GET", "/community/campaigns/{campaign_id}/questions", EVERYONE),
    rule(
        "POST",
        "/community/campaigns/{campaign_id}/questions",
        SIGNED_IN - {STRANGER},
        form={"question": "Is the shade washable?"},
        refused={STRANGER: 403},  # muted: the page says until when
    ),
    rule(
        "POST",
        "/community/questions/{question_id}/answer",
        SELLER,
        args={"question_id": "question_owner"},
        form={"answer": "Yes, for 60 yuan."},
    ),
    # -- money ----------------------------------------------------------------------------
    rule("GET", "/api/v1/ledger/report", STAFF, query={"currency": "CNY"}),
    rule("GET", "/api/v1/ledger/balances", STAFF, query={"currency": "CNY"}),
    rule("GET", "/api/v1/ledger/entry-sets", STAFF, query={"reference": "matrix"}),
    rule("GET", "/api/v1/ledger/doubts", STAFF),
    # The first of the staff asks again; the other finds it being asked already (409).
    rule(
        "POST",
        "/api/v1/ledger/doubts/{doubt_id}/ask",
        STAFF,
        args={"doubt_id": "doubt_review"},
        ok={200, 409},
    ),
    rule(
        "GET",
        "/api/v1/ledger/partners/{partner_id}/statement",
        SELLER | STAFF,
        query={"currency": "CNY"},
    ),
    # -- device specs and the makers' devices ----------------------------------------------
    rule("POST", "/api/v1/specs/validate", EVERYONE, json={"spec": {}}, ok={200, 422}),
    rule("GET", "/api/v1/specs", EVERYONE),
    rule("GET", "/api/v1/specs/{model}", EVERYONE, args={"model": "builtin_model"}),
    rule("GET", "/api/v1/spec-schema", EVERYONE),
    rule("GET", "/api/v1/device-models", PARTNERS | {ADMIN}),
    rule(
        "POST",
        "/api/v1/device-models",
        PARTNERS | {ADMIN},
        json={"model_id": "lamp.v9", "name": "Lamp 9", "spec": {}},
        ok={201, 422},
    ),
    rule("POST", "/api/v1/device-models/{model_id}/units", MAKER, json={"count": 1}, ok={201}),
    rule("GET", "/api/v1/device-models/{model_id}/units", MAKER),
    rule("POST", "/api/v1/device-units/{device_id}/secret", MAKER, args={"device_id": "unit_p"}),
    rule("POST", "/api/v1/device-units/{device_id}/revoke", MAKER, args={"device_id": "unit_p"}),
    rule(
        "POST",
        "/api/v1/broker/emqx/auth",
        NOBODY,
        json={"clientid": "dev_x", "username": "dev_x", "password": "x"},
        refused={actor: 401 for actor in ACTORS},
    ),
    rule(
        "POST",
        "/api/v1/broker/emqx/acl",
        NOBODY,
        json={"username": "dev_x", "topic": "hearth/dev_x/state", "action": "publish"},
        refused={actor: 401 for actor in ACTORS},
    ),
    # -- devices in homes -------------------------------------------------------------------
    rule("GET", "/api/v1/devices/{device_id}", HOME_A),
    rule("DELETE", "/api/v1/devices/{device_id}", {OWNER}, ok={204}),
    rule(
        "POST",
        "/api/v1/devices/{device_id}/move",
        {OWNER},
        json=lambda w: {"home_id": w["home_a2"]},
    ),
    rule("GET", "/api/v1/devices/{device_id}/history", HOME_A, query={"key": "2.1"}),
    rule("GET", "/api/v1/devices/{device_id}/chart", HOME_A, query={"key": "2.1"}),
    rule(
        "POST",
        "/api/v1/devices/{device_id}/commands",
        HOME_A,
        json={"kind": "set", "props": {"2.1": True}},
        ok={503},
    ),  # no broker in this copy
    rule("GET", "/api/v1/devices/{device_id}/commands/{command_id}", HOME_A),
    # -- homes ------------------------------------------------------------------------------
    rule("GET", "/api/v1/homes", SIGNED_IN),
    rule("POST", "/api/v1/homes", SIGNED_IN, json={"name": "Boathouse"}, ok={201}),
    rule("GET", "/api/v1/homes/{home_id}", HOME_A),
    rule("PATCH", "/api/v1/homes/{home_id}", {OWNER}, json={"name": "Main house"}),
    rule("DELETE", "/api/v1/homes/{home_id}", {OWNER}, ok={204}),
    rule("GET", "/api/v1/homes/{home_id}/devices", HOME_A),
    rule(
        "POST",
        "/api/v1/homes/{home_id}/devices",
        {OWNER},
        json=lambda w: {"pairing_code": w["pairing_code"]},
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/homes/{home_id}/devices/add",
        {OWNER},
        json=lambda w: {"pairing_code": w["pairing_code"]},
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/homes/{home_id}/devices/simulated",
        {OWNER},
        json={"model": "hearth.light.v1"},
        ok={201},
    ),
    rule("GET", "/api/v1/homes/{home_id}/rooms", HOME_A),
    rule("POST", "/api/v1/homes/{home_id}/rooms", {OWNER}, json={"name": "Attic"}, ok={201}),
    rule("PATCH", "/api/v1/rooms/{room_id}", {OWNER}, json={"name": "Snug"}),
    rule("DELETE", "/api/v1/rooms/{room_id}", {OWNER}, ok={204}),
    rule(
        "PUT",
        "/api/v1/devices/{device_id}/placement",
        {OWNER},
        json=lambda w: {"room_id": w["room_a"]},
    ),
    rule("PUT", "/api/v1/devices/{device_id}/favourite", HOME_A, json={"favourite": True}),
    rule("GET", "/api/v1/homes/{home_id}/members", HOME_A),
    rule("PUT", "/api/v1/homes/{home_id}/members/{member_id}", {OWNER}, json={"role": "member"}),
    rule("DELETE", "/api/v1/homes/{home_id}/members/{member_id}", {OWNER}, ok={204}),
    rule("POST", "/api/v1/homes/{home_id}/leave", {MEMBER}, ok={204}, refused={OWNER: 409}),
    rule("GET", "/api/v1/homes/{home_id}/invitations", {OWNER}),
    rule(
        "POST",
        "/api/v1/homes/{home_id}/invitations",
        {OWNER},
        json={"username": "stranger"},
        ok={201},
    ),
    rule("DELETE", "/api/v1/homes/{home_id}/invitations/{invitation_id}", {OWNER}, ok={204}),
    rule("GET", "/api/v1/invitations", SIGNED_IN),
    rule("POST", "/api/v1/invitations/{invitation_id}/accept", {FAN}),
    rule("POST", "/api/v1/invitations/{invitation_id}/decline", {FAN}, ok={200, 204}),
    rule(
        "POST",
        "/api/v1/invitations/join",
        SIGNED_IN,
        json=lambda w: {"token": w["join_token_a"]},
        reveals={"home_a"},
    ),
    rule("GET", "/api/v1/homes/{home_id}/live", HOME_A, stream=True),
    # -- scenes and automations ------------------------------------------------------------------
    rule("GET", "/api/v1/homes/{home_id}/scenes", HOME_A),
    rule("POST", "/api/v1/homes/{home_id}/scenes", HOME_A, json=_scene, ok={201}),
    rule("GET", "/api/v1/scenes/{scene_id}", HOME_A),
    rule("PUT", "/api/v1/scenes/{scene_id}", HOME_A, json=_scene),
    rule("DELETE", "/api/v1/scenes/{scene_id}", HOME_A, ok={204}),
    rule("POST", "/api/v1/scenes/{scene_id}/run", HOME_A, ok={409}),  # no broker in this copy
    rule("GET", "/api/v1/scenes/{scene_id}/runs", HOME_A),
    rule("GET", "/api/v1/homes/{home_id}/automations", HOME_A),
    rule("POST", "/api/v1/homes/{home_id}/automations", HOME_A, json=_automation, ok={201}),
    rule("GET", "/api/v1/automations/{automation_id}", HOME_A),
    rule("PUT", "/api/v1/automations/{automation_id}", HOME_A, json=_automation),
    rule("POST", "/api/v1/automations/{automation_id}/enable", HOME_A),
    rule("POST", "/api/v1/automations/{automation_id}/disable", HOME_A),
    rule("DELETE", "/api/v1/automations/{automation_id}", HOME_A, ok={204}),
    rule("POST", "/api/v1/automations/{automation_id}/run", HOME_A, ok={409}),
    rule("GET", "/api/v1/automations/{automation_id}/runs", HOME_A),
    rule("GET", "/api/v1/runs/{run_id}", HOME_A),
    rule("GET", "/api/v1/homes/{home_id}/place", HOME_A),
    rule(
        "PUT",
        "/api/v1/homes/{home_id}/place",
        {OWNER},
        json={"timezone": "Europe/Berlin", "latitude": 52.5, "longitude": 13.4},
    ),
    # -- the mall: partners, stores, products ----------------------------------------------------
    rule(
        "POST",
        "/api/v1/partners/applications",
        NOT_PARTNERS - STAFF,
        json={"name": "Breeze Co", "contact_email": "hi@breeze.example", "categories": ["climate"]},
        ok={201},
        refused={PARTNER: 409, RIVAL: 409, REVIEWER: 409, ADMIN: 409},
    ),
    rule("GET", "/api/v1/partners/applications", STAFF),
    rule(
        "POST",
        "/api/v1/partners/applications/{partner_id}/decision",
        STAFF,
        args={"partner_id": "applicant_p"},
        json={"approve": True},
    ),
    rule("GET", "/api/v1/stores", EVERYONE),
    rule("GET", "/api/v1/stores/{slug}", EVERYONE),
    rule("PATCH", "/api/v1/store", PARTNERS, json={"store_description": "Lamps."}),
    rule(
        "POST",
        "/api/v1/products",
        PARTNERS,
        json={"name": "Breeze", "category": "climate"},
        ok={201},
    ),
    rule("GET", "/api/v1/products", PARTNERS),
    rule("GET", "/api/v1/products/{product_id}", SIGNED_IN),
    rule(
        "PATCH",
        "/api/v1/products/{product_id}",
        {RIVAL},
        args={"product_id": "product_rival"},
        json={"description": "A quiet fan."},
    ),
    rule(
        "POST",
        "/api/v1/products/{product_id}/transitions",
        {RIVAL},
        args={"product_id": "product_rival"},
        json={"to": "in_review"},
        ok={200, 409},
    ),
    rule("GET", "/api/v1/products/{product_id}/history", SELLER | STAFF),
    rule(
        "GET",
        "/api/v1/products/{product_id}/comments",
        SELLER | STAFF,
        args={"product_id": "product_p_review"},
    ),
    rule(
        "POST",
        "/api/v1/products/{product_id}/comments",
        SELLER | STAFF,
        args={"product_id": "product_p_review"},
        json={"body": "Is the spec final?"},
        ok={201},
    ),
    rule("GET", "/api/v1/review/queue", STAFF),
    rule("GET", "/api/v1/products/{product_id}/images", SIGNED_IN),
    rule("POST", "/api/v1/products/{product_id}/images", SELLER, args=DRAFT, files=IMAGE, ok={201}),
    rule("DELETE", "/api/v1/products/{product_id}/images/{image_id}", SELLER, args=DRAFT, ok={204}),
    rule("PUT", "/api/v1/store/logo", PARTNERS, files=LOGO),
    rule("GET", "/api/v1/partner/members", PARTNERS),
    rule("GET", "/api/v1/partner/invitations", PARTNERS),
    rule("POST", "/api/v1/partner/invitations", PARTNERS, json={}, ok={201}),
    rule(
        "POST",
        "/api/v1/partner/invitations/{invitation_id}/revoke",
        SELLER,
        args={"invitation_id": "partner_invitation"},
    ),
    rule("GET", "/api/v1/partner/invitations/received", SIGNED_IN),
    rule(
        "POST",
        "/api/v1/partner/invitations/accept",
        NOT_PARTNERS - STAFF,
        json=lambda w: {"token": w["partner_join_token"]},
        refused={PARTNER: 409, RIVAL: 409, REVIEWER: 409, ADMIN: 409},
    ),
    rule("POST", "/api/v1/products/{product_id}/certifications", SELLER | STAFF, json={}, ok={202}),
    rule("GET", "/api/v1/products/{product_id}/certifications", SELLER | STAFF),
    rule(
        "GET", "/api/v1/certifications/{run_id}", SELLER | STAFF, args={"run_id": "certification_p"}
    ),
    rule(
        "GET",
        "/api/v1/certifications/{run_id}/report.json",
        SELLER | STAFF,
        args={"run_id": "certification_p"},
    ),
    rule("GET", "/media/images/{image_id}", EVERYONE),
    rule("GET", "/media/stores/{slug}/logo", EVERYONE),
    # -- notifications ---------------------------------------------------------------------------
    rule("GET", "/api/v1/notifications", SIGNED_IN),
    rule("POST", "/api/v1/notifications/read", SIGNED_IN, ok={200, 204}),
    rule("POST", "/api/v1/notifications/{notification_id}/read", {FAN}, ok={200, 204}),
    rule("GET", "/notifications", SIGNED_IN),
    rule("GET", "/notifications/badge", EVERYONE),  # empty for nobody
    rule("POST", "/notifications/read", SIGNED_IN),
    rule("POST", "/notifications/{notification_id}/open", {FAN}),
    # -- crowdfunding -----------------------------------------------------------------------------
    rule("GET", "/api/v1/campaigns", EVERYONE),
    rule("GET", "/api/v1/stores/{slug}/listings", EVERYONE),
    rule("GET", "/api/v1/campaigns/{campaign_id}", EVERYONE),
    rule("GET", "/api/v1/campaigns/{campaign_id}/updates", EVERYONE),
    rule("GET", "/api/v1/products/{product_id}/page", EVERYONE),
    rule(
        "POST",
        "/api/v1/cards",
        SIGNED_IN,
        json={"token": "4242424242424242"},
        headers={"Idempotency-Key": "matrix-card"},
        ok={200, 201},
    ),
    rule("GET", "/api/v1/cards", SIGNED_IN),
    rule(
        "POST",
        "/api/v1/campaigns/{campaign_id}/pledges",
        {OWNER},
        json=_pledge,
        headers={"Idempotency-Key": "matrix-pledge"},
        ok={200, 201, 202},
    ),
    rule("GET", "/api/v1/pledges", SIGNED_IN),
    rule("GET", "/api/v1/pledges/{pledge_id}", {FAN}),
    rule("PATCH", "/api/v1/pledges/{pledge_id}", {FAN}, json={"quantity": 1}),
    rule("DELETE", "/api/v1/pledges/{pledge_id}", {FAN}, ok={200, 204}),
    rule("POST", "/api/v1/pledges/{pledge_id}/retry", {FAN}, json={}, ok={200, 409}),
    rule("PUT", "/api/v1/pledges/{pledge_id}/shipping", {FAN}, json={"shipping": SHIPPING}),
    rule(
        "PUT", "/api/v1/pledges/{pledge_id}/card", {FAN}, json=lambda w: {"card_id": w["card_fan"]}
    ),
    rule("DELETE", "/api/v1/cards/{card_id}", {FAN}, ok={204}),
    rule("GET", "/api/v1/receipts", SIGNED_IN),
    rule("GET", "/api/v1/receipts/{receipt_id}", {FAN}),
    rule("GET", "/api/v1/receipts/{receipt_id}/receipt.pdf", {FAN}),
    rule("GET", "/api/v1/orders/{order_id}/receipts", {OWNER}, args={"order_id": "order_sale"}),
    rule("GET", "/api/v1/orders", SIGNED_IN),
    rule("GET", "/api/v1/orders/{order_id}", {FAN}),
    rule(
        "POST",
        "/api/v1/orders/{order_id}/tickets",
        {FAN},
        json={"subject": "Scratched", "body": "The base is scratched."},
        ok={201},
    ),
    rule("GET", "/api/v1/tickets", SIGNED_IN),
    rule("GET", "/api/v1/tickets/{ticket_id}", {FAN, PARTNER}),
    rule(
        "POST",
        "/api/v1/tickets/{ticket_id}/messages",
        {FAN, PARTNER},
        json={"body": "Thank you."},
        ok={201},
    ),
    rule("POST", "/api/v1/tickets/{ticket_id}/status", {FAN, PARTNER}, json={"status": "closed"}),
    rule("POST", "/api/v1/partner/campaigns", SELLER, json=_campaign, ok={201}),
    rule("GET", "/api/v1/partner/campaigns", PARTNERS),
    rule(
        "PATCH",
        "/api/v1/partner/campaigns/{campaign_id}",
        SELLER,
        args={"campaign_id": "campaign_draft"},
        json={"summary": "Two lamps."},
    ),
    rule(
        "POST",
        "/api/v1/partner/campaigns/{campaign_id}/submit",
        SELLER,
        args={"campaign_id": "campaign_draft"},
    ),
    rule(
        "POST",
        "/api/v1/partner/campaigns/{campaign_id}/retract",
        SELLER,
        args={"campaign_id": "campaign_submitted"},
    ),
    rule("GET", "/api/v1/campaigns/{campaign_id}/figures", SELLER | STAFF),
    rule("GET", "/api/v1/platform/launches", STAFF),
    rule(
        "POST",
        "/api/v1/platform/launches/{campaign_id}/approve",
        STAFF,
        args={"campaign_id": "campaign_submitted"},
        json={"reason": ""},
    ),
    rule(
        "POST",
        "/api/v1/platform/launches/{campaign_id}/send-back",
        STAFF,
        args={"campaign_id": "campaign_submitted"},
        json={"reason": "Show what is in the box."},
    ),
    rule(
        "POST",
        "/api/v1/campaigns/{campaign_id}/cancel",
        SELLER | STAFF,
        json={"reason": "A part is no longer made."},
    ),
    rule("GET", "/api/v1/campaigns/{campaign_id}/history", SELLER | STAFF),
    rule(
        "POST",
        "/api/v1/partner/campaigns/{campaign_id}/updates",
        SELLER,
        json={"title": "Tooling done", "body": "Moulds are ready."},
        ok={201},
    ),
    rule(
        "POST",
        "/api/v1/partner/campaigns/{campaign_id}/graduate",
        SELLER,
        args={"campaign_id": "campaign_done"},
        json={"price": "199.00", "stock": 10},
        ok={200, 409},
    ),
    rule("GET", "/api/v1/partner/orders", PARTNERS),
    rule("GET", "/api/v1/partner/orders.csv", PARTNERS),
    rule(
        "POST",
        "/api/v1/partner/orders/tracking",
        SELLER,
        json=lambda w: {"csv": _tracking(w)},
        refused={RIVAL: 422},  # the import names the order that is not one of theirs
    ),
    rule(
        "POST",
        "/api/v1/partner/orders/{order_id}/refund",
        SELLER,
        json={"amount": "1.00", "reason": "Late"},
        ok={200, 201},
    ),
    rule("POST", "/api/v1/partner/orders/{order_id}/delivered", SELLER, ok={200, 409}),
    rule("GET", "/api/v1/partner/tickets", PARTNERS),
    # -- regular sale ------------------------------------------------------------------------
    rule("GET", "/api/v1/listings/{listing_id}", EVERYONE),
    rule("GET", "/api/v1/partner/listings", PARTNERS),
    rule("GET", "/api/v1/partner/listings/{listing_id}", SELLER),
    rule("PATCH", "/api/v1/partner/listings/{listing_id}", SELLER, json={"price": "189.00"}),
    rule(
        "POST",
        "/api/v1/partner/listings/{listing_id}/variants",
        SELLER,
        json={"name": "Red", "stock": 5},
        ok={201},
    ),
    rule(
        "PATCH",
        "/api/v1/partner/listings/{listing_id}/variants/{variant_id}",
        SELLER,
        json={"stock": 9},
    ),
    rule("GET", "/api/v1/cart", SIGNED_IN),
    rule(
        "POST",
        "/api/v1/cart/lines",
        SIGNED_IN,
        json=lambda w: {"variant_id": w["variant_p"], "quantity": 1},
        ok={201},
    ),
    rule("PATCH", "/api/v1/cart/lines/{line_id}", {OWNER}, json={"quantity": 2}),
    rule("DELETE", "/api/v1/cart/lines/{line_id}", {OWNER}, ok={204}),
    rule(
        "POST",
        "/api/v1/checkout",
        {OWNER},  # the card and address are the owner's: anyone else's checkout is refused
        json=lambda w: {"address_id": w["address_owner"], "card_id": w["card_owner"]},
        headers={"Idempotency-Key": "matrix-checkout-2"},
        ok={201},
    ),
    rule("GET", "/api/v1/checkouts/{checkout_id}", {OWNER}),
    rule(
        "POST",
        "/api/v1/orders/{order_id}/return",
        {OWNER},
        args={"order_id": "order_sale"},
        json={"reason": "It is too bright."},
        headers={"Idempotency-Key": "matrix-return"},
    ),
    rule("GET", "/api/v1/orders/{order_id}/return", {OWNER}, args={"order_id": "order_sale"}),
    rule("GET", "/api/v1/partner/returns", PARTNERS),
    rule(
        "POST",
        "/api/v1/partner/returns/{return_id}/accept",
        SELLER,
        headers={"Idempotency-Key": "matrix-accept"},
    ),
    rule("POST", "/api/v1/partner/returns/{return_id}/decline", SELLER, json={"answer": "Worn."}),
    rule("GET", "/api/v1/platform/campaigns", STAFF),
    # -- ecosystem insights: the platform team alone reads the ecosystem's figures ---------
    rule("GET", "/api/v1/platform/insights", STAFF, query={"range": "7d"}),
    # -- pages: the home app ----------------------------------------------------------------------
    rule("GET", "/", EVERYONE),
    rule("GET", "/homes/{home_id}", HOME_A),
    rule("GET", "/homes/{home_id}/cards", HOME_A),
    rule("POST", "/homes", SIGNED_IN, form={"name": "Boathouse"}),
    rule("GET", "/homes/{home_id}/settings", {OWNER}),
    rule("POST", "/homes/{home_id}/rename", {OWNER}, form={"name": "Main house"}),
    rule(
        "POST",
        "/homes/{home_id}/place",
        {OWNER},
        form={"timezone": "Berlin", "latitude": "52.52", "longitude": "13.40"},
    ),
    rule("POST", "/homes/{home_id}/delete", {OWNER}),
    rule("POST", "/homes/{home_id}/leave", {MEMBER}, refused={OWNER: 409}),
    rule("POST", "/homes/{home_id}/rooms", {OWNER}, form={"name": "Attic"}),
    rule("POST", "/homes/{home_id}/rooms/{room_id}/rename", {OWNER}, form={"name": "Snug"}),
    rule("POST", "/homes/{home_id}/rooms/{room_id}/delete", {OWNER}),
    rule("POST", "/homes/{home_id}/invite", {OWNER}, form={"username": "stranger"}),
    rule("POST", "/homes/{home_id}/invitations/{invitation_id}/withdraw", {OWNER}),
    rule("POST", "/homes/{home_id}/members/{member_id}", {OWNER}, form={"role": "member"}),
    rule("GET", "/homes/{home_id}/add", {OWNER}),
    rule(
        "POST", "/homes/{home_id}/add", {OWNER}, form=lambda w: {"pairing_code": w["pairing_code"]}
    ),
    rule("POST", "/homes/{home_id}/add/simulated", {OWNER}, form={"model": "hearth.light.v1"}),
    rule("GET", "/devices/{device_id}", HOME_A),
    rule(
        "POST", "/devices/{device_id}/placement", {OWNER}, form=lambda w: {"room_id": w["room_a"]}
    ),
    rule("POST", "/devices/{device_id}/remove", {OWNER}),
    rule("POST", "/devices/{device_id}/favourite", HOME_A, form={"favourite": "on"}),
    rule("GET", "/invitations", SIGNED_IN),
    rule("POST", "/invitations/{invitation_id}/{answer}", {FAN}, args={"answer": "=accept"}),
    rule("GET", "/join/{token}", SIGNED_IN, args={"token": "join_token_a"}),
    rule("POST", "/join/{token}", SIGNED_IN, args={"token": "join_token_a"}, reveals={"home_a"}),
    # -- pages: scenes ----------------------------------------------------------------------------
    rule("GET", "/scenes", SIGNED_IN),
    rule("GET", "/scenes/new", HOME_A, query={"home": "@home_a"}),
    rule("GET", "/scenes/automations/new", HOME_A, query={"home": "@home_a"}),
    rule("GET", "/scenes/{scene_id}/edit", HOME_A),
    rule("GET", "/scenes/automations/{automation_id}/edit", HOME_A),
    rule("GET", "/scenes/automations/{automation_id}", HOME_A),
    rule("POST", "/scenes/automations/{automation_id}/switch", HOME_A, form={"enabled": "false"}),
    rule("POST", "/scenes/automations/{automation_id}/run", HOME_A, ok={409}),
    rule("POST", "/scenes/automations/{automation_id}/delete", HOME_A),
    rule("POST", "/scenes/{scene_id}/run", HOME_A, ok={409}),  # no broker
    rule("POST", "/scenes/{scene_id}/delete", HOME_A),
    rule("GET", "/scenes/runs/{run_id}", HOME_A),
    rule("GET", "/scenes/{scene_id}", HOME_A),
    # -- pages: the mall and crowdfunding ---------------------------------------------------------
    rule("GET", "/store", EVERYONE),
    rule("GET", "/stores", EVERYONE),
    rule("GET", "/stores/{slug}", EVERYONE),
    rule("GET", "/campaigns/{campaign_id}", EVERYONE),
    rule("GET", "/products/{product_id}", EVERYONE),
    rule("GET", "/products/{product_id}/certification", EVERYONE),
    rule("GET", "/campaigns/{campaign_id}/live", EVERYONE, stream=True),
    rule(
        "POST",
        "/campaigns/{campaign_id}/pledge",
        {OWNER},
        form=lambda w: {
            "tier_id": w["tier_live"],
            "quantity": "1",
            "card_id": w["card_owner"],
            "idempotency_key": "matrix-pledge",
            **SHIPPING,
        },
    ),
    rule("POST", "/pledges/{pledge_id}/change", {FAN}, form={"quantity": "1"}),
    rule("POST", "/pledges/{pledge_id}/cancel", {FAN}),
    rule("GET", "/pledges/{pledge_id}", {FAN}),
    rule("POST", "/pledges/{pledge_id}/retry", {FAN}, ok={409}),  # nothing failed
    rule("GET", "/pledges", SIGNED_IN),
    rule("POST", "/pledges/{pledge_id}/address", {FAN}, form={"address_id": "new", **SHIPPING}),
    rule("POST", "/pledges/{pledge_id}/card", {FAN}, form=lambda w: {"card_id": w["card_fan"]}),
    rule("POST", "/pledges/{pledge_id}/cards/{card_id}/remove", {FAN}),
    rule(
        "POST",
        "/account/cards",
        SIGNED_IN,
        form={"card_number": "4242 4242 4242 4242", "idempotency_key": "matrix-card"},
    ),
    rule("POST", "/account/cards/{card_id}/remove", {FAN}),
    # A store order's receipts are its buyer's alone: not its seller's, nobody else's.
    rule("GET", "/receipts/{receipt_id}", {OWNER}, args={"receipt_id": "receipt_sale"}),
    rule("GET", "/receipts/{receipt_id}/receipt.pdf", {OWNER}, args={"receipt_id": "receipt_sale"}),
    rule("GET", "/orders", SIGNED_IN),
    rule("GET", "/cart", SIGNED_IN),
    rule(
        "POST", "/cart", SIGNED_IN, form=lambda w: {"variant_id": w["variant_p"], "quantity": "1"}
    ),
    rule("POST", "/cart/{line_id}", {OWNER}, form={"quantity": "2"}),
    rule("POST", "/cart/{line_id}/remove", {OWNER}),
    rule("GET", "/checkout", SIGNED_IN),
    rule(
        "POST",
        "/checkout",
        {OWNER},
        form=lambda w: {
            "address_id": w["address_owner"],
            "card_id": w["card_owner"],
            "key": "matrix-page-checkout",
        },
    ),
    rule("GET", "/checkouts/{checkout_id}", {OWNER}),
    rule("GET", "/orders/{order_id}/return", {OWNER}, args={"order_id": "order_sale"}),
    rule(
        "POST",
        "/orders/{order_id}/return",
        {OWNER},
        args={"order_id": "order_sale"},
        form={"reason": "It is too bright.", "key": "matrix-return"},
    ),
    rule("GET", "/partner/sales", PARTNERS),
    rule("GET", "/partner/sales/{listing_id}", SELLER),
    rule("POST", "/partner/sales/{listing_id}", SELLER, form={"price": "189.00", "per_order": "4"}),
    rule(
        "POST", "/partner/sales/{listing_id}/variants", SELLER, form={"name": "Red", "stock": "5"}
    ),
    rule("POST", "/partner/sales/{listing_id}/variants/{variant_id}", SELLER, form={"stock": "9"}),
    rule("GET", "/partner/returns", PARTNERS),
    rule("POST", "/partner/returns/{return_id}/accept", SELLER),
    rule("POST", "/partner/returns/{return_id}/decline", SELLER, form={"answer": "Worn."}),
    rule("POST", "/partner/orders/{order_id}/delivered", SELLER, ok={303, 409}),
    rule("GET", "/orders/{order_id}", {FAN}),
    rule(
        "POST",
        "/orders/{order_id}/tickets",
        {FAN},
        form={"subject": "Scratched", "body": "The base is scratched."},
    ),
    rule("GET", "/tickets/{ticket_id}", {FAN, PARTNER}),
    rule("POST", "/tickets/{ticket_id}/reply", {FAN, PARTNER}, form={"body": "Thank you."}),
    rule("GET", "/partner/campaigns", PARTNERS),
    rule(
        "POST",
        "/partner/campaigns",
        SELLER,
        form=lambda w: {"product_id": w["product_p"], **CAMPAIGN_FORM},
    ),
    rule("GET", "/partner/campaigns/new", PARTNERS),
    rule("GET", "/partner/campaigns/{campaign_id}", SELLER),
    rule("GET", "/partner/campaigns/{campaign_id}/edit", SELLER, args=DRAFT_CAMPAIGN),
    rule(
        "POST",
        "/partner/campaigns/{campaign_id}/edit",
        SELLER,
        args=DRAFT_CAMPAIGN,
        form=CAMPAIGN_FORM,
    ),
    rule("GET", "/partner/campaigns/{campaign_id}/preview", SELLER, args=DRAFT_CAMPAIGN),
    rule(
        "POST",
        "/partner/campaigns/{campaign_id}/{action}",
        SELLER,
        args={"campaign_id": "campaign_draft", "action": "=submit"},
    ),
    rule("GET", "/platform/launches", STAFF),
    rule("GET", "/platform/insights", STAFF, query={"range": "90d"}),
    rule("GET", "/platform/insights.csv", STAFF),
    rule("GET", "/platform/launches/{campaign_id}", STAFF, args=SUBMITTED),
    rule("GET", "/platform/launches/{campaign_id}/preview", STAFF, args=SUBMITTED),
    rule(
        "POST",
        "/platform/launches/{campaign_id}/decision",
        STAFF,
        args=SUBMITTED,
        form={"decision": "send_back", "reason": "Show what is in the box."},
    ),
    # The books: a partner's own statement; every partner's, the report and payouts for staff.
    rule("GET", "/partner/statement", PARTNERS, query={"currency": "CNY"}),
    rule("GET", "/partner/statement.csv", PARTNERS, query={"currency": "CNY"}),
    rule("GET", "/platform/ledger", STAFF),
    rule("GET", "/platform/ledger.csv", STAFF),
    rule("GET", "/platform/ledger/partners/{partner_id}", STAFF),
    rule("GET", "/platform/ledger/partners/{partner_id}/statement.csv", STAFF),
    rule("GET", "/platform/payouts", STAFF),
    rule("GET", "/platform/payments", STAFF),
    rule(
        "POST",
        "/platform/payments/{doubt_id}/ask",
        STAFF,
        args={"doubt_id": "doubt_review"},
        ok={303, 409},
    ),
    rule("GET", "/platform/payouts.csv", STAFF),
    rule("GET", "/partner/orders", PARTNERS),
    rule(
        "POST",
        "/partner/orders/tracking",
        SELLER,
        form=lambda w: {"text": _tracking(w)},
        refused={RIVAL: 422},  # the page says the order is not one of theirs
    ),
    rule("POST", "/partner/orders/{order_id}/refund", SELLER, form={"amount": "1.00"}),
    rule("GET", "/platform/campaigns", STAFF),
    rule(
        "POST",
        "/platform/campaigns/{campaign_id}/cancel",
        STAFF,
        form={"reason": "A part is no longer made."},
    ),
    rule("GET", "/partner", SIGNED_IN),
    rule(
        "POST",
        "/partner/apply",
        NOT_PARTNERS - STAFF,
        form={"name": "Breeze Co", "contact_email": "hi@breeze.example", "categories": "climate"},
        refused={PARTNER: 409, RIVAL: 409, REVIEWER: 409, ADMIN: 409},
    ),
    rule(
        "POST",
        "/partner/store",
        PARTNERS,
        form={"store_name": "Lamps", "store_description": "Lamps.", "support_contact": "hi@a.b"},
    ),
    rule("POST", "/partner/store/logo", PARTNERS, files=LOGO),
    rule("POST", "/partner/invitations", PARTNERS, form={}),
    rule(
        "POST",
        "/partner/invitations/{invitation_id}/revoke",
        SELLER,
        args={"invitation_id": "partner_invitation"},
    ),
    rule(
        "POST",
        "/partner/invitations/{invitation_id}/accept",
        NOBODY,
        args={"invitation_id": "partner_invitation"},
    ),
    rule("GET", "/partner/join/{token}", SIGNED_IN, args={"token": "partner_join_token"}),
    rule(
        "POST",
        "/partner/join/{token}",
        NOT_PARTNERS - STAFF,
        args={"token": "partner_join_token"},
        refused={PARTNER: 409, RIVAL: 409, REVIEWER: 409, ADMIN: 409},
    ),
    rule("GET", "/partner/products/new", PARTNERS | {ADMIN}),
    rule("POST", "/partner/products/new", PARTNERS, form={"name": "Breeze", "category": "climate"}),
    rule(
        "POST",
        "/partner/products/{product_id}/edit",
        {RIVAL},
        args={"product_id": "product_rival"},
        form={"name": "Rival Fan", "category": "climate"},
    ),
    rule(
        "GET", "/partner/products/{product_id}/edit", {RIVAL}, args={"product_id": "product_rival"}
    ),
    rule("GET", "/partner/products/{product_id}", SELLER),
    rule("POST", "/partner/products/{product_id}/images", SELLER, args=DRAFT, files=IMAGE),
    rule("POST", "/partner/products/{product_id}/images/{image_id}/delete", SELLER, args=DRAFT),
    rule("GET", "/platform", STAFF),
    rule(
        "POST",
        "/platform/applications/{partner_id}/decision",
        STAFF,
        args={"partner_id": "applicant_p"},
        form={"decision": "approve"},
    ),
    rule("GET", "/platform/products/{product_id}", STAFF, args={"product_id": "product_p_review"}),
    rule(
        "POST",
        "/review/products/{product_id}/move",
        STAFF,
        args={"product_id": "product_p_review"},
        form={"to": "changes_requested", "reason": "Add the manual."},
    ),
    rule(
        "POST",
        "/review/products/{product_id}/comments",
        SELLER | STAFF,
        args={"product_id": "product_p_review"},
        form={"body": "Is the spec final?"},
    ),
    rule("GET", "/partner/products/{product_id}/certification", SELLER | STAFF),
    rule("GET", "/partner/products/{product_id}/certification/runs", SELLER | STAFF),
    rule("POST", "/partner/products/{product_id}/certification", SELLER | STAFF),
    rule("GET", "/certifications/{run_id}", SELLER | STAFF, args={"run_id": "certification_p"}),
]


# Second looks: routes of the table tried against what a moderator hid (the fan's
# suggestion). Only its author and the platform team read it; nobody acts on it (its
# author and moderators are told it is hidden, everyone else finds nothing).
HIDDEN_SUGGESTION = {"suggestion_id": "suggestion_hidden"}
SECOND_LOOKS: list[Rule] = [
    rule(
        "GET",
        "/api/v1/community/suggestions/{suggestion_id}",
        {FAN} | STAFF,
        args=HIDDEN_SUGGESTION,
        note="hidden",
    ),
    rule(
        "GET",
        "/community/suggestions/{suggestion_id}",
        {FAN} | STAFF,
        args=HIDDEN_SUGGESTION,
        note="hidden",
    ),
    rule("GET", "/community/report/{kind}/{item_id}", {FAN} | STAFF, args=HIDDEN, note="hidden"),
    # Reviews and campaign questions are reported and moderated like suggestions: anyone signed
    # in but their author reports them; the platform team alone hides them.
    rule("GET", "/community/report/{kind}/{item_id}", SIGNED_IN, args=REVIEWED, note="review"),
    rule(
        "POST",
        "/community/report/{kind}/{item_id}",
        SIGNED_IN - {OWNER},
        args=REVIEWED,
        form={"reason": "spam", "note": ""},
        note="review",
    ),
    rule(
        "POST",
        "/api/v1/community/reports",
        SIGNED_IN - {OWNER},
        json=lambda w: {
            "target_kind": "question",
            "target_id": w["question_owner"],
            "reason": "off_topic",
        },
        ok={201},
        note="question",
    ),
    rule(
        "POST",
        "/platform/community/{kind}/{item_id}/hide",
        STAFF,
        args=REVIEWED,
        form=WHY,
        note="review",
    ),  # fmt: skip
    rule(
        "POST",
        "/api/v1/community/moderation/items/{kind}/{item_id}/hide",
        STAFF,
        args=ASKED,
        json=WHY,
        ok={201},
        note="question",
    ),
    rule(
        "PUT",
        "/api/v1/community/suggestions/{suggestion_id}/vote",
        NOBODY,
        args=HIDDEN_SUGGESTION,
        refused={FAN: 409, REVIEWER: 409, ADMIN: 409},
        note="hidden",
    ),
    rule(
        "POST",
        "/api/v1/community/suggestions/{suggestion_id}/comments",
        NOBODY,
        args=HIDDEN_SUGGESTION,
        json={"body": "Agreed."},
        refused={FAN: 409, REVIEWER: 409, ADMIN: 409},
        note="hidden",
    ),
]

_ = (STRANGER, Rule)
