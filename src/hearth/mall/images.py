"""Rules for uploaded images (pure): what a file really is, and whether it may be kept.

The type comes from the file's first bytes, never from its name or the client's
``Content-Type``: a PNG renamed ``.jpg`` is a PNG, and an HTML file renamed ``.png`` is
refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.errors import InvalidInput

# A product shows at most this many images.
MAX_IMAGES = 8


@dataclass(frozen=True)
class ImageKind:
    content_type: str
    extension: str


PNG = ImageKind("image/png", "png")
JPEG = ImageKind("image/jpeg", "jpg")
WEBP = ImageKind("image/webp", "webp")
ACCEPTED = "PNG, JPEG or WebP"


def sniff(data: bytes) -> ImageKind | None:
    """Return the image kind the bytes start with, or ``None`` if it is not one we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def check_image(data: bytes, *, max_bytes: int, field: str = "image") -> ImageKind:
    """Return the kind of an acceptable image, or raise ``InvalidInput`` naming the problem."""
    if not data:
        raise InvalidInput.fields([{"field": field, "message": "the file is empty"}])
    if len(data) > max_bytes:
        raise InvalidInput.fields(
            [
                {
                    "field": field,
                    "message": f"the file is {len(data):,} bytes; the limit is {max_bytes:,}",
                }
            ]
        )
    kind = sniff(data)
    if kind is None:
        raise InvalidInput.fields(
            [{"field": field, "message": f"not an image hearth accepts: use {ACCEPTED}"}]
        )
    return kind
