"""The one error tree of hearth.

Every error a user can cause or meet is a ``HearthError``. The web layer turns the tree
into ``{"error": ..., "detail": ..., "errors": [...]}`` responses (``to_dict``; ``status``
gives the HTTP status) and friendly HTML pages; the CLI turns it into a message and an
exit code.

    HearthError
    ├── ConfigError                  settings that cannot work
    ├── DatabaseError
    │   ├── SchemaNotMigrated        the database has no or an older schema
    │   └── SchemaTooNew             the database was migrated by a newer hearth
    ├── BrokerError                  the MQTT broker, as hearth's clients meet it (hearth.mqtt)
    │   ├── BrokerUnavailable        cannot reach it, or the connection dropped
    │   ├── BrokerRefused            it refused the connection or a subscription
    │   └── BrokerTimeout            it did not answer in time
    ├── InvalidInput                 a request body or argument is malformed
    │   └── CurrencyMismatch         money of two currencies was combined
    ├── NotFound                     no such object, or not one of yours
    ├── Conflict                     the object exists or changed meanwhile
    ├── InvalidTransition            a workflow move that its table does not allow
    ├── AuthError
    │   ├── NotAuthenticated         no valid session or token
    │   ├── BadCredentials           wrong username or password
    │   ├── TooManyAttempts          failed log-ins throttled
    │   └── PermissionDenied         signed in, but not allowed
    ├── SpecError                    the device model (hearth.devices)
    │   ├── SpecInvalid              a spec document breaks the rules; carries its issues
    │   ├── SpecIncompatible         a new spec version removes or changes what existed
    │   └── ValueRejected            a property value fails its spec; carries a code
    ├── DeviceError                  the device cloud (hearth.hub)
    │   ├── DeviceOffline            the device is not connected; nothing was sent
    │   └── CommandTimedOut          the device did not answer in time
    ├── SceneError                   smart scenes (hearth.scenes)
    │   ├── RuleRejected             a rule names what the home's devices do not have
    │   └── SceneLimitReached        a home has as many scenes or automations as allowed
    ├── MallError                    partner stores, review, campaigns (hearth.mall)
    │   └── CertificationMissing     approval needs a passed certification of the spec
    ├── PaymentError                 payment providers and the ledger (hearth.payments)
    │   ├── PaymentDeclined          the card was declined; carries the decline code
    │   ├── AuthenticationRequired   the bank wants the customer present (3-D Secure)
    │   ├── ProviderUnavailable      the provider refused the call; nothing happened
    │   ├── ProviderTimeout          no answer in time; retry with the same idempotency key
    │   ├── IdempotencyKeyReused     a key came back with different parameters
    │   └── LedgerUnbalanced         ledger entries that do not sum to zero per currency
    ├── CommunityError               the fan community (hearth.community)
    │   ├── Muted                    a moderator muted the person: they may not post yet
    │   ├── RateLimited              the person posted as often as allowed; says when again
    │   └── LooksLikeDuplicate       a new suggestion is near-identical to one that exists (409)
    └── MailError                    sending mail (hearth.mail), as its transports meet it
        ├── MailUnavailable          the server could not be reached or deferred; retry later
        └── MailRefused              the server refused this message for good

``status`` is a class attribute so routes never pick status codes by hand; ``code`` is a
short machine-readable name for clients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar


def as_sentence(text: str) -> str:
    """Make a message a sentence for a person: "the device is offline" becomes "The device is
    offline."; a message that is one already is left as it is."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def _field_label(path: str) -> str:
    """Name a field for a person: ``starts_at`` is "starts at", ``tiers.0.limit`` "tier 1 limit"."""
    parts = [p for p in path.split(".") if p]
    if not parts:
        return ""
    label = parts[-1].replace("_", " ")
    if len(parts) >= 3 and parts[-2].isdigit():
        label = f"{parts[-3].replace('_', ' ').removesuffix('s')} {int(parts[-2]) + 1} {label}"
    return label


def problems_as_sentences(problems: Sequence[Mapping[str, Any]]) -> str:
    """Say each problem of a form as a sentence: "Starts at: before the campaign ends."."""
    said = []
    for problem in problems:
        field = _field_label(str(problem.get("field") or ""))
        message = str(problem.get("message") or "is not valid").strip().rstrip(".")
        if field:
            said.append(f"{field.capitalize()}: {message[:1].lower()}{message[1:]}.")
        else:
            said.append(as_sentence(message))
    return " ".join(said)


class HearthError(Exception):
    """Base of every error hearth raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    @property
    def sentence(self) -> str:
        """Return the message as a page shows it: a sentence, capitalised, with its full stop."""
        return as_sentence(self.message)

    def problems(self) -> list[dict[str, Any]]:
        """Return what is wrong, one ``{"field", "message"}`` entry per place (maybe none)."""
        if not isinstance(self.detail, list):
            return []
        return [_problem(p) for p in self.detail]

    def facts(self) -> dict[str, Any]:
        """Return the machine-readable facts this error adds to its body (``command_id``...)."""
        return {}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON body clients get for this error.

        Always ``error`` (a code), ``detail`` (a sentence) and ``errors`` (a list, maybe
        empty, of ``{"field", "message"}`` with an optional ``reason`` or ``line``), plus
        the facts of the particular error at the top level."""
        body: dict[str, Any] = {"error": self.code, "detail": self.message}
        body["errors"] = self.problems()
        body.update(self.facts())
        return body


def _problem(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Shape one problem as every error body does: where (``field``), why (``message``)."""
    where = raw.get("field", raw.get("pointer", ""))
    problem: dict[str, Any] = {"field": str(where), "message": str(raw.get("message", ""))}
    if raw.get("reason") is not None:
        problem["reason"] = str(raw["reason"])
    if raw.get("line") is not None:
        problem["line"] = int(raw["line"])
    return problem


class ConfigError(HearthError):
    code = "config_error"


class DatabaseError(HearthError):
    status = 503
    code = "database_error"


class SchemaNotMigrated(DatabaseError):
    code = "schema_not_migrated"


class SchemaTooNew(DatabaseError):
    code = "schema_too_new"


class BrokerError(HearthError):
    """The MQTT broker failed hearth; each client translates its own errors into this branch."""

    status = 503
    code = "broker_error"


class BrokerUnavailable(BrokerError):
    """The broker cannot be reached, or the connection to it dropped; retrying may help."""

    code = "broker_unavailable"


class BrokerRefused(BrokerError):
    """The broker refused the connection (credentials, client id) or a subscription."""

    code = "broker_refused"


class BrokerTimeout(BrokerError):
    """The broker did not answer in time (CONNACK, SUBACK, PUBACK)."""

    status = 504
    code = "broker_timeout"


class InvalidInput(HearthError):
    status = 422
    code = "invalid_input"

    @classmethod
    def fields(cls, problems: Sequence[Mapping[str, str]]) -> InvalidInput:
        """Build the error for ``[{"field", "message"}, ...]``, summarised in one line."""
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return cls(summary, detail=[dict(p) for p in problems])

    @property
    def sentence(self) -> str:
        """Return each problem with a field as a sentence of its own, or the message."""
        problems = self.detail if isinstance(self.detail, list) else []
        if problems and all(isinstance(p, Mapping) and "message" in p for p in problems):
            # Only a message that merely lists the problems is said problem by problem; one
            # written for the case ("moving it to rejected needs a reason") says more.
            summary = "; ".join(f"{p.get('field')}: {p['message']}" for p in problems)
            if self.message == summary:
                return problems_as_sentences(problems)
        return as_sentence(self.message)


class CurrencyMismatch(InvalidInput):
    """Two amounts of different currencies were added, subtracted or compared."""

    code = "currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")
        self.currencies = (left, right)


class NotFound(HearthError):
    status = 404
    code = "not_found"


class Conflict(HearthError):
    status = 409
    code = "conflict"


class InvalidTransition(HearthError):
    """A workflow was asked to move along an edge its transition table does not have.

    ``current`` and ``target`` may be ``StrEnum`` members; they are kept, and shown, as
    their plain values ("cannot move payment from 'voided' to 'captured'").
    """

    status = 409
    code = "invalid_transition"

    def __init__(self, current: str, target: str, *, what: str = "object") -> None:
        self.current, self.target = str(current), str(target)
        super().__init__(f"cannot move {what} from {self.current!r} to {self.target!r}")


class AuthError(HearthError):
    status = 401
    code = "auth_error"


class NotAuthenticated(AuthError):
    code = "not_authenticated"


class BadCredentials(AuthError):
    code = "bad_credentials"


class TooManyAttempts(AuthError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def facts(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class PermissionDenied(AuthError):
    status = 403
    code = "permission_denied"


class SpecError(HearthError):
    status = 422
    code = "spec_error"


class SpecInvalid(SpecError):
    """A spec document breaks the rules; ``issues`` lists each place (JSON pointer) and why."""

    code = "spec_invalid"

    def __init__(self, message: str, *, issues: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(message, detail=[dict(i) for i in issues])
        self.issues = list(issues)


class SpecIncompatible(SpecError):
    """A new version of a spec removes or changes something the previous version had."""

    code = "spec_incompatible"

    def __init__(self, message: str, *, issues: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(message, detail=[dict(i) for i in issues])
        self.issues = list(issues)


class ValueRejected(SpecError):
    """A property value does not fit its spec; ``reason`` is a stable code such as
    ``out_of_range``, ``not_writable`` or ``wrong_type``."""

    code = "value_rejected"

    def __init__(self, message: str, *, reason: str, pointer: str = "") -> None:
        super().__init__(message, detail={"reason": reason, "pointer": pointer})
        self.reason = reason
        self.pointer = pointer

    def problems(self) -> list[dict[str, Any]]:
        return [{"field": self.pointer, "message": self.message, "reason": self.reason}]

    def facts(self) -> dict[str, Any]:
        return {"reason": self.reason}


class DeviceError(HearthError):
    status = 409
    code = "device_error"


class DeviceOffline(DeviceError):
    """The device is offline, so a command was not sent; ``command_id`` records it."""

    status = 409
    code = "device_offline"

    def __init__(self, message: str, *, command_id: str | None = None) -> None:
        super().__init__(message, detail={"command_id": command_id} if command_id else None)
        self.command_id = command_id

    def facts(self) -> dict[str, Any]:
        return {"command_id": self.command_id} if self.command_id else {}


class CommandTimedOut(DeviceError):
    """The device did not answer before the deadline; it may still apply the command."""

    status = 504
    code = "command_timed_out"

    def __init__(self, message: str, *, command_id: str) -> None:
        super().__init__(message, detail={"command_id": command_id})
        self.command_id = command_id

    def facts(self) -> dict[str, Any]:
        return {"command_id": self.command_id}


class SceneError(HearthError):
    status = 422
    code = "scene_error"


class RuleRejected(SceneError):
    """A scene or automation names a device, property or value its home cannot offer;
    ``reason`` is a stable code (``device_not_in_home``, ``not_writable``, ...) and
    ``field`` the place in the rule (``actions.0.props.2.1``)."""

    code = "rule_rejected"

    def __init__(self, message: str, *, reason: str, field: str) -> None:
        super().__init__(message, detail={"reason": reason, "field": field})
        self.reason = reason
        self.field = field

    def problems(self) -> list[dict[str, Any]]:
        return [{"field": self.field, "message": self.message, "reason": self.reason}]

    def facts(self) -> dict[str, Any]:
        return {"reason": self.reason}


class SceneLimitReached(SceneError):
    status = 409
    code = "scene_limit_reached"


class MallError(HearthError):
    status = 409
    code = "mall_error"


class CertificationMissing(MallError):
    """A product's current spec version has no passed certification run."""

    code = "certification_missing"

    def __init__(self, spec_version: int) -> None:
        super().__init__(f"certification of spec version {spec_version} has not passed")
        self.spec_version = spec_version


class PaymentError(HearthError):
    status = 402
    code = "payment_error"


class PaymentDeclined(PaymentError):
    """The issuer or the provider declined; ``decline_code`` says why (``insufficient_funds``)."""

    code = "payment_declined"

    def __init__(self, message: str, *, decline_code: str, payment_id: str | None = None) -> None:
        detail = {"decline_code": decline_code, "payment_id": payment_id}
        super().__init__(message, detail=detail)
        self.decline_code = decline_code
        self.payment_id = payment_id

    def facts(self) -> dict[str, Any]:
        return {"decline_code": self.decline_code, "payment_id": self.payment_id}


class AuthenticationRequired(PaymentError):
    """An off-session charge needs the customer to authenticate; bring them back on-session."""

    code = "authentication_required"

    def __init__(self, message: str, *, payment_id: str | None = None) -> None:
        super().__init__(message, detail={"payment_id": payment_id})
        self.payment_id = payment_id

    def facts(self) -> dict[str, Any]:
        return {"payment_id": self.payment_id}


class ProviderUnavailable(PaymentError):
    """The provider refused or could not take the call; it did nothing, retrying is safe."""

    status = 503
    code = "provider_unavailable"


class ProviderTimeout(PaymentError):
    """The provider did not answer in time: the call may or may not have taken effect.

    Retry with the same idempotency key to learn the outcome without doing it twice."""

    status = 504
    code = "provider_timeout"


class IdempotencyKeyReused(PaymentError):
    """An idempotency key came back with different parameters than its first use."""

    status = 409
    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(f"the idempotency key {key!r} was first used for a different request")
        self.key = key


class LedgerUnbalanced(PaymentError):
    """Ledger entries that do not sum to zero in each currency; ``sums`` shows the excess."""

    status = 422
    code = "ledger_unbalanced"

    def __init__(self, message: str, *, sums: dict[str, int]) -> None:
        super().__init__(message, detail=sums)
        self.sums = sums

    def facts(self) -> dict[str, Any]:
        return {"sums": self.sums}


class CommunityError(HearthError):
    status = 422
    code = "community_error"


class Muted(CommunityError):
    """A moderator muted the person until ``until``: they read and vote, but may not post."""

    status = 403
    code = "muted"

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until

    def facts(self) -> dict[str, Any]:
        return {"muted_until": self.until.isoformat()}


class RateLimited(CommunityError):
    """The person posted as often as the limit allows; ``retry_after`` seconds from now they
    may again (the API sends it as ``Retry-After``)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def facts(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class LooksLikeDuplicate(CommunityError):
    """A new suggestion's title is near-identical to one already on the board: nothing was
    posted; ``match`` names the existing one (id, title, status, votes, link), and posting
    again with ``confirm_distinct`` goes ahead."""

    status = 409
    code = "looks_like_duplicate"

    def __init__(self, message: str, *, match: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.match = dict(match)

    def facts(self) -> dict[str, Any]:
        return {"match": self.match}


class MailError(HearthError):
    """Mail could not be handed to the mail server; each transport translates its own errors."""

    status = 503
    code = "mail_error"


class MailUnavailable(MailError):
    """The mail server could not be reached, timed out or deferred the message; retry later."""

    code = "mail_unavailable"


class MailRefused(MailError):
    """The mail server refused the message for good (an unknown recipient, refused content)."""

    status = 422
    code = "mail_refused"
