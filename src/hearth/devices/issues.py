"""Issues found in a spec document: where (a JSON pointer), why (a stable code), and a
sentence for people. The same shape is used by the validator, the MIoT importer, the CLI
and the API; ``docs/device-spec.md`` lists every reason code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hearth.errors import SpecInvalid


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem at one place in a document."""

    pointer: str
    reason: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the JSON shape: ``{"pointer", "reason", "message"}``."""
        return {"pointer": self.pointer, "reason": self.reason, "message": self.message}


def escape(token: str | int) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Build a JSON pointer from its tokens: ``pointer("services", 0)`` is ``/services/0``."""
    return "".join("/" + escape(t) for t in tokens)


def invalid(issues: Iterable[Issue], *, what: str = "spec") -> SpecInvalid:
    """Return the ``SpecInvalid`` error that carries ``issues``."""
    found = list(issues)
    first = found[0] if found else Issue("", "invalid", "invalid")
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    where = first.pointer or "the document"
    return SpecInvalid(
        f"{what} is not valid: {where}: {first.message}{more}",
        issues=[i.as_dict() for i in found],
    )
