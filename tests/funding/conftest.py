"""Fixtures of the crowdfunding tests."""

from __future__ import annotations

from tests.funding.test_api import mall

__all__ = ["mall"]
