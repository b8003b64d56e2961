"""Fixtures for the "changes other tools get wrong" suite: the session's reusable scratch databases."""

from __future__ import annotations

from tests.autogenerate.conftest import reusable_database

__all__ = ["reusable_database"]
