"""Certification tests run on hearth's default embedded broker and on a real Mosquitto."""

from tests.hub.conftest import default_and_external_rig

__all__ = ["default_and_external_rig"]
