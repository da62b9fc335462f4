"""Device credentials: ids, secrets, pairing codes and how they are kept (pure rules).

A device secret is 192 random bits, so guessing is hopeless whatever the hash; what
matters is that checking it is fast (10,000 devices reconnect at once after a broker
restart) and that Mosquitto can check the very same hash. Secrets are therefore kept in
Mosquitto's own ``$7$`` format: PBKDF2-HMAC-SHA512 with a 12-byte salt and a small
iteration count, ``$7$<iterations>$<salt b64>$<hash b64>``. hearth writes these strings
unchanged into Mosquitto's password file and checks them itself for the embedded broker
and the EMQX hook.

A pairing code is printed on the device's label and in its QR code. It proves that the
person adding the device holds it; it is kept as a SHA-256 digest (80 random bits make
a reverse search impractical) so a home can be looked up from the code alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from hearth.kit.ids import new_id

ITERATIONS = 101  # Mosquitto's own default for $7$
SALT_BYTES = 12
SECRET_BYTES = 24
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
PAIRING_GROUPS = 4
PAIRING_GROUP_LEN = 4
# The characters ``normalise_pairing_code`` reads: letters, digits, spaces and dashes. It
# then wants 16 symbols of the alphabet (O, I and L read as 0, 1, 1), which the contract
# says in words: a pattern that exact makes request generators crawl.
PAIRING_CODE = r"^[\s0-9A-Za-z-]{16,40}$"
DEVICE_ID = re.compile(r"^dev_[0-9a-z]{26}$")


def new_device_id() -> str:
    """Return a new device id, which is also its MQTT username and client id."""
    return new_id("dev")


def is_device_id(value: str | None) -> bool:
    """Tell whether ``value`` has the shape of a device id (safe in topics and ACLs)."""
    return value is not None and DEVICE_ID.match(value) is not None


def new_secret() -> str:
    """Return a new device secret (URL-safe text, 32 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def simulated_secret(key: str, device_id: str) -> str:
    """Return the secret of a device hearth simulates itself, derived from the installation's
    secret key: the process that runs it computes it again, so it is stored nowhere."""
    digest = hmac.new(key.encode(), f"simulated-device:{device_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:SECRET_BYTES]).decode().rstrip("=")


def hash_secret(secret: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """Return the ``$7$`` hash of ``secret`` that hearth and Mosquitto both check."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Tell whether ``secret`` matches a ``$7$`` hash; malformed hashes never match."""
    parts = stored.split("$")
    if len(parts) != 5 or parts[1] != "7" or not parts[2].isdigit():
        return False
    try:
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, int(parts[2]))
    return hmac.compare_digest(digest, expected)


def new_pairing_code() -> str:
    """Return a pairing code as printed on a label: ``7K3M-Q9XD-2HWA-P4TN`` (80 bits)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(PAIRING_GROUPS * PAIRING_GROUP_LEN))
    return "-".join(
        chars[i : i + PAIRING_GROUP_LEN] for i in range(0, len(chars), PAIRING_GROUP_LEN)
    )


def normalise_pairing_code(code: str) -> str | None:
    """Return the canonical code, forgiving case, spaces, dashes and look-alike letters.

    Returns None when what was typed cannot be a pairing code.
    """
    cleaned = re.sub(r"[\s-]", "", code.upper()).translate(str.maketrans("OIL", "011"))
    if len(cleaned) != PAIRING_GROUPS * PAIRING_GROUP_LEN or any(
        c not in _ALPHABET for c in cleaned
    ):
        return None
    return "-".join(
        cleaned[i : i + PAIRING_GROUP_LEN] for i in range(0, len(cleaned), PAIRING_GROUP_LEN)
    )


def pairing_digest(code: str) -> str:
    """Return the lookup digest of a (normalised) pairing code."""
    return hashlib.sha256(code.encode()).hexdigest()


def qr_payload(device_id: str, pairing_code: str) -> str:
    """Return what the label's QR code encodes: the device and its pairing code."""
    return f"hearth://pair?device={device_id}&code={pairing_code}"
