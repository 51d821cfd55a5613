"""Errors raised by the store. Callers catch ``StoreError`` or one of its subclasses."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or is busy beyond its timeout; answer 503 and retry."""


class NotFound(StoreError):
    """The mention, outbox item or other row asked for does not exist."""


class LeaseLost(StoreError):
    """The worker no longer holds the lease it is acting under (expired and taken, or released)."""


class DecisionRefused(StoreError):
    """The decision conflicts with the mention's state (already decided, claimed by someone else).

    The refusal has already been written to the audit log when this is raised.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdempotencyConflict(StoreError):
    """An idempotency key was reused for a different decision."""
