"""Type URNs as MIoT writes them, and the readable names derived from them.

``urn:<namespace>:<kind>:<name>:<code>[:<model>:<version>[:<template>]]``, for example
``urn:miot-spec-v2:property:on:00000006:yeelink-color1:1``. Vendors use their own
namespace (``urn:dreame-spec:``...) and some instances carry a template suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Urn:
    """The parts of a type URN; missing parts are empty strings."""

    namespace: str
    kind: str
    name: str
    code: str = ""
    model: str = ""
    version: str = ""
    template: str = ""

    @property
    def standard(self) -> bool:
        """Tell whether the type comes from MIoT's shared namespace, not a vendor's."""
        return self.namespace == "miot-spec-v2"


@lru_cache(maxsize=4096)
def parse_urn(text: str) -> Urn | None:
    """Return the parts of ``text``, or None if it is not a ``urn:ns:kind:name...`` URN."""
    parts = text.strip().split(":")
    if len(parts) < 4 or parts[0].lower() != "urn" or not all(parts[1:4]):
        return None
    rest = [*parts[4:], "", "", "", ""]
    return Urn(
        namespace=parts[1],
        kind=parts[2],
        name=parts[3],
        code=rest[0],
        model=rest[1],
        version=rest[2],
        template=":".join(parts[7:]),
    )


def type_name(type_: str) -> str:
    """Return the short name in a type URN (``on``, ``motion-detected``), or the text."""
    urn = parse_urn(type_)
    return urn.name if urn else type_.strip()


@lru_cache(maxsize=4096)
def humanise(name: str) -> str:
    """Turn ``no-motion-duration`` or ``pm2.5_density`` into ``No motion duration``."""
    words = re.sub(r"[-_]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def label(description: str, type_: str) -> str:
    """Return a readable label: the description, else the name in the type URN."""
    text = description.strip()
    if not text:
        return humanise(type_name(type_))
    # Vendors often put the slug itself in the description ("status-low-power").
    if _SLUG.match(text) and ("-" in text or "_" in text):
        return humanise(text)
    return text
