"""Device credentials: secrets hashed the way Mosquitto checks them, codes people can type."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from hearth.hub import credentials


def test_a_secret_verifies_against_its_own_hash_only() -> None:
    secret = credentials.new_secret()
    stored = credentials.hash_secret(secret)
    assert credentials.verify_secret(secret, stored)
    assert not credentials.verify_secret(credentials.new_secret(), stored)
    assert not credentials.verify_secret(secret[:-1], stored)


def test_hashes_are_mosquittos_pbkdf2_sha512_format() -> None:
    stored = credentials.hash_secret("s3cret", salt=b"0123456789ab")
    _, kind, iterations, salt, digest = stored.split("$")
    assert (kind, iterations) == ("7", "101")
    expected = hashlib.pbkdf2_hmac("sha512", b"s3cret", b"0123456789ab", 101)
    assert base64.b64decode(salt) == b"0123456789ab"
    assert base64.b64decode(digest) == expected


def test_the_same_secret_hashes_differently_each_time() -> None:
    assert credentials.hash_secret("same") != credentials.hash_secret("same")


@given(st.text(max_size=200))
def test_malformed_stored_hashes_never_match(stored: str) -> None:
    assert not credentials.verify_secret("anything", stored)


def test_device_ids_are_safe_usernames_and_topic_levels() -> None:
    device_id = credentials.new_device_id()
    assert credentials.is_device_id(device_id)
    for bad in ("", "dev_", "dev_+", "dev_#/x", "usr_01jabcdefghjkmnpqrstvwxyz", None):
        assert not credentials.is_device_id(bad)


def test_pairing_codes_forgive_case_spaces_and_look_alike_letters() -> None:
    code = "7K3M-Q9XD-2HWA-P4TN"
    assert credentials.normalise_pairing_code(code) == code
    assert credentials.normalise_pairing_code(" 7k3m q9xd 2hwa p4tn ") == code
    assert credentials.normalise_pairing_code("1111-0000-1111-0000") == "1111-0000-1111-0000"
    assert credentials.normalise_pairing_code("IIII-OOOO-LLLL-0000") == "1111-0000-1111-0000"


def test_anything_else_is_not_a_pairing_code() -> None:
    for bad in ("", "7K3M-Q9XD-2HWA", "7K3M-Q9XD-2HWA-P4TNX", "UUUU-UUUU-UUUU-UUUU", "é" * 16):
        assert credentials.normalise_pairing_code(bad) is None


def test_new_pairing_codes_are_canonical_and_distinct() -> None:
    codes = {credentials.new_pairing_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(credentials.normalise_pairing_code(c) == c for c in codes)


def test_the_qr_code_carries_the_device_and_its_code() -> None:
    assert (
        credentials.qr_payload("dev_1", "AAAA-BBBB-CCCC-DDDD")
        == "hearth://pair?device=dev_1&code=AAAA-BBBB-CCCC-DDDD"
    )
