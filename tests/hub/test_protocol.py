"""The device protocol: topics, payloads both ways, and every kind of malformed message."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.hub import protocol
from hearth.hub.protocol import (
    ActionRequest,
    Down,
    EventMessage,
    GetRequest,
    Info,
    ProtocolViolation,
    Report,
    Result,
    SetRequest,
    Status,
    Up,
)

DEVICE = "dev_01jabcdefghjkmnpqrstvwxyz"


def test_topics_name_the_device_and_the_direction() -> None:
    assert protocol.up_topic(DEVICE, Up.REPORT) == f"dev/v1/{DEVICE}/up/report"
    assert protocol.down_topic(DEVICE, Down.SET) == f"dev/v1/{DEVICE}/down/set"
    assert protocol.parse_up_topic(f"dev/v1/{DEVICE}/up/event") == (DEVICE, Up.EVENT)
    assert protocol.parse_down_topic(f"dev/v1/{DEVICE}/down/action") == (DEVICE, Down.ACTION)


@pytest.mark.parametrize(
    "topic",
    [
        f"dev/v1/{DEVICE}/up/nonsense",
        f"dev/v2/{DEVICE}/up/report",
        f"dev/v1/{DEVICE}/down/set",
        f"dev/v1/{DEVICE}/up/report/extra",
        "hearth/internal/events/X",
    ],
)
def test_other_topics_are_not_device_up_topics(topic: str) -> None:
    assert protocol.parse_up_topic(topic) is None


@pytest.mark.parametrize(
    "message",
    [
        Report(3, 7, {"2.1": True, "2.2": 80}),
        EventMessage(3, 8, "4.1", {"4.2": "fingerprint"}),
        EventMessage(3, 9, "4.1", {}),
        Info(3, 1, "hearth.light.v1", "1.0.2", 30),
        Status(3, 2, False),
        Result("req-1", "ok", {"2.1": {"code": "ok"}, "2.2": {"code": "out_of_range"}}, {}),
        Result("req-2", "ok", {}, {"5.3": 12}),
    ],
)
def test_up_messages_survive_a_round_trip(message: protocol.UpMessage) -> None:
    kind, payload = protocol.encode_up(message)
    assert protocol.decode_up(kind, payload) == message


@pytest.mark.parametrize(
    "message",
    [
        SetRequest("r1", {"2.1": False}),
        GetRequest("r2", ["2.1", "3.4"]),
        ActionRequest("r3", "5.1", {"5.2": 3}),
        ActionRequest("r4", "5.1", {}),
    ],
)
def test_down_messages_survive_a_round_trip(message: protocol.DownMessage) -> None:
    kind, payload = protocol.encode_down(message)
    assert protocol.decode_down(kind, payload) == message


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        (Up.REPORT, b"{not json", "malformed_json"),
        (Up.REPORT, b"\xff\xfe", "malformed_json"),
        (Up.REPORT, b"[" * 4000 + b"]" * 4000, "malformed_json"),
        (Up.REPORT, b"[1, 2]", "not_an_object"),
        (Up.REPORT, b'{"boot": 1, "seq": 1}', "bad_field"),
        (Up.REPORT, b'{"boot": 1, "seq": 1, "props": {}}', "bad_field"),
        (Up.REPORT, b'{"boot": 1, "seq": -1, "props": {"2.1": 1}}', "bad_field"),
        (Up.REPORT, b'{"boot": 1, "seq": true, "props": {"2.1": 1}}', "bad_field"),
        (Up.REPORT, b'{"boot": "1", "seq": 1, "props": {"2.1": 1}}', "bad_field"),
        (Up.REPORT, b'{"boot": 1, "seq": 1, "props": {"power": 1}}', "bad_key"),
        (Up.REPORT, b'{"boot": 1, "seq": 1, "props": {"01.1": 1}}', "bad_key"),
        (
            Up.REPORT,
            b'{"boot": 1, "seq": 1, "props": {"2.1": 1}, "pad": "' + b"x" * 9000 + b'"}',
            "oversized",
        ),
        (Up.EVENT, b'{"boot": 1, "seq": 1, "event": "motion"}', "bad_key"),
        (Up.INFO, b'{"boot": 1, "seq": 1, "model": "", "fw": "1"}', "bad_field"),
        (Up.INFO, b'{"boot": 1, "seq": 1, "model": "m", "fw": "1", "heartbeat": 1}', "bad_field"),
        (Up.STATUS, b'{"boot": 1, "link": 1, "online": "yes"}', "bad_field"),
        (Up.RESULT, b'{"code": "ok"}', "bad_field"),
        (Up.RESULT, b'{"id": "a b", "code": "ok"}', "bad_field"),
        (Up.RESULT, b'{"id": "r", "code": "OK!"}', "bad_field"),
        (Up.RESULT, b'{"id": "r", "results": {"2.1": "ok"}}', "bad_field"),
        (Up.REPORT, b'{"boot": 1, "seq": 1, "props": {"2.1": 1}, "extra": 1}', "unknown_field"),
        (Up.REPORT, b'{"boot": 1, "seq": 1, "props": {"2.1": 1}, "Props": {}}', "unknown_field"),
        (Up.EVENT, b'{"boot": 1, "seq": 1, "event": "2.1", "arg": {}}', "unknown_field"),
        (Up.INFO, b'{"boot": 1, "seq": 1, "model": "m", "fw": "1", "owner": "x"}', "unknown_field"),
        (Up.STATUS, b'{"boot": 1, "link": 1, "online": true, "home": "h"}', "unknown_field"),
        (Up.RESULT, b'{"id": "r", "code": "ok", "by": "me"}', "unknown_field"),
    ],
)
def test_malformed_payloads_are_refused_with_a_reason(
    kind: Up, payload: bytes, reason: str
) -> None:
    with pytest.raises(ProtocolViolation) as refused:
        protocol.decode_up(kind, payload)
    assert refused.value.reason == reason


@given(
    st.sampled_from(list(Up)),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    ),
)
def test_decoding_any_json_either_succeeds_or_says_why(kind: Up, body: object) -> None:
    try:
        protocol.decode_up(kind, json.dumps(body).encode())
    except ProtocolViolation as refused:
        assert refused.reason


@given(st.sampled_from(list(Up)), st.binary(max_size=300))
def test_decoding_any_bytes_either_succeeds_or_says_why(kind: Up, payload: bytes) -> None:
    try:
        protocol.decode_up(kind, payload)
    except ProtocolViolation as refused:
        assert refused.reason


def test_devices_answer_with_the_validators_own_reason_codes() -> None:
    from hearth.devices.values import REASONS

    assert set(REASONS) <= {code.value for code in protocol.ResultCode}
