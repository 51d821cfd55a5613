"""mentionbot's error tree. Every error raised on purpose derives from ``MentionbotError``.

It lives in the bottom layer so every package can derive from it::

    MentionbotError
    ├── StoreError                      models: the database
    │   ├── StoreUnavailable            unreachable / busy beyond timeout → 503, retry
    │   ├── NotFound
    │   ├── LeaseLost                   a worker acted without holding its lease
    │   ├── DecisionRefused             conflicts with the mention's state (audited)
    │   └── IdempotencyConflict
    ├── ClassifierError                 classifiers: model and data
    │   ├── DataError                   malformed labelled-data file (names file:line)
    │   └── ArtifactError               saved model unreadable
    │       └── EncoderNotFound         base encoder package not installed
    └── BotError                        bot: the runtime (``bot.errors``)
        ├── ConfigError                 settings missing or invalid (never echoes secrets)
        ├── IngestError                 refused ingest request; carries status and code
        │   ├── BadJson                 400
        │   ├── SchemaViolation         422, with field paths
        │   ├── SignatureMissing        401
        │   ├── SignatureInvalid        401
        │   ├── StaleTimestamp          401, outside the 5-minute replay window
        │   ├── PayloadTooLarge         413
        │   └── IngestUnavailable       503 + Retry-After: database down, nothing acknowledged
        ├── Unauthorized                401: no or unknown API token
        ├── Forbidden                   403: role does not allow it (audited)
        ├── InvalidDecision             422: e.g. approve with no reply text
        │   └── PolicyBlocked           422: the reply fails the policy check; with findings
        └── AdapterError                chat adapter / publisher call failed; retry_after
            ├── TransientError          429, 5xx, timeout: retry with backoff
            └── PermanentError          retrying cannot help
"""

from __future__ import annotations


class MentionbotError(Exception):
    """Root of every error mentionbot raises on purpose."""


class StoreError(MentionbotError):
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
