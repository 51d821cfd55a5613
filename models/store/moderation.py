"""Moderation records for community sources (filled in with the Discord desk)."""

from __future__ import annotations

from models.store.base import StoreBase


class ModerationMixin(StoreBase):
    """Placeholder mixin: moderation queries live here."""
