"""Certification tests run on hearth's embedded broker and on a real Mosquitto."""

from tests.hub.conftest import rig

__all__ = ["rig"]
