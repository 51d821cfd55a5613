"""The runtime's branch of the error tree (see ``models.errors`` for the whole tree).

Ingest errors carry the HTTP status and a stable ``code`` the endpoint answers with; adapter
errors say whether trying again can help and how long the far end asked us to wait.
"""

from __future__ import annotations

from typing import Any

from models.errors import MentionbotError


class BotError(MentionbotError):
    """Base class of every error the runtime (``bot``) raises on purpose."""


class ConfigError(BotError):
    """Settings are missing or invalid; the message names the setting, never a secret value."""


# --- ingest ------------------------------------------------------------------------------------


class IngestError(BotError):
    """A request to the ingest endpoint was refused; ``status`` is the HTTP answer."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out


class BadJson(IngestError):
    status, code = 400, "bad_json"


class SchemaViolation(IngestError):
    """The JSON does not match the schema; ``details`` lists ``{"loc": "a.b.0", "msg": ...}``."""

    status, code = 422, "schema_violation"


class SignatureMissing(IngestError):
    status, code = 401, "signature_missing"


class SignatureInvalid(IngestError):
    status, code = 401, "signature_invalid"


class StaleTimestamp(IngestError):
    """The signed timestamp is outside the replay window (401: the credential is not valid now)."""

    status, code = 401, "stale_timestamp"


class PayloadTooLarge(IngestError):
    status, code = 413, "payload_too_large"


class IngestUnavailable(IngestError):
    """The database could not store the mentions; nothing was acknowledged."""

    status, code = 503, "unavailable"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# --- API and decisions ---------------------------------------------------------------------------


class Unauthorized(BotError):
    """No API token, or an unknown one (401)."""


class Forbidden(BotError):
    """The actor's role does not allow the action (403); already written to the audit log."""


class InvalidDecision(BotError):
    """The decision is malformed, e.g. approve with no reply text to send (422)."""


class PolicyBlocked(InvalidDecision):
    """The reply fails the policy check (422); ``findings`` say why (rule, severity, message),
    so a chat card or form can show them next to the text."""

    def __init__(self, message: str, findings: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.findings = findings


# --- chat adapters and publishers --------------------------------------------------------------


class AdapterError(BotError):
    """A chat adapter or publisher call failed. ``retry_after``: seconds the far end asked for."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(AdapterError):
    """Worth retrying later: rate limited (429), server error (5xx), timeout, connection lost."""


class PermanentError(AdapterError):
    """Retrying cannot help: bad credentials, unknown channel, message deleted (4xx)."""
