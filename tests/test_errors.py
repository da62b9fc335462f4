"""What a page says of an error is a sentence, whatever the raiser wrote."""

from __future__ import annotations

from hearth.errors import DeviceOffline, as_sentence


def test_a_fragment_becomes_a_sentence_and_a_sentence_stays_as_it_is() -> None:
    assert as_sentence("the device is offline") == "The device is offline."
    assert as_sentence("Pay by Friday to keep your reward.") == "Pay by Friday to keep your reward."
    assert as_sentence("Is it on?") == "Is it on?"
    assert as_sentence("  ") == ""
    assert DeviceOffline("the lamp is offline; nothing was sent").sentence == (
        "The lamp is offline; nothing was sent."
    )
