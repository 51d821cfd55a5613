"""Request signing for ingest: HMAC-SHA256 over ``timestamp + "." + body``.

A sender adds two headers::

    X-Mentionbot-Timestamp: 1735732800              (Unix seconds, when it signed)
    X-Mentionbot-Signature: v1=<hex HMAC-SHA256(secret, "1735732800." + raw body)>

The receiver refuses timestamps more than the replay window (5 minutes) away from its clock,
compares signatures in constant time, and accepts any of several comma-separated ``v1=``
values (so a sender can sign with an old and a new secret while rotating). Replays inside the
window are harmless: ingest is idempotent on (source, external id).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from bot.errors import SignatureInvalid, SignatureMissing, StaleTimestamp

TIMESTAMP_HEADER = "X-Mentionbot-Timestamp"
SIGNATURE_HEADER = "X-Mentionbot-Signature"
SCHEME = "v1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return mac.hexdigest()


def sign(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The two headers a sender adds to a request carrying ``body``."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: f"{SCHEME}={signature(secret, timestamp, body)}",
    }


def require_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """(timestamp, signature header) or SignatureMissing naming what is absent."""
    timestamp = headers.get(TIMESTAMP_HEADER)
    sig = headers.get(SIGNATURE_HEADER)
    missing = [h for h, v in ((TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, sig)) if not v]
    if missing or timestamp is None or sig is None:
        raise SignatureMissing(f"missing header(s): {', '.join(missing)}")
    return timestamp, sig


def verify(
    secret: str,
    timestamp: str,
    header: str,
    body: bytes,
    *,
    window_s: float,
    now: float | None = None,
) -> None:
    """Raise StaleTimestamp or SignatureInvalid unless the request is fresh and signed."""
    if not timestamp.isdigit():
        raise SignatureInvalid(f"{TIMESTAMP_HEADER} must be Unix seconds (digits only)")
    skew = (time.time() if now is None else now) - int(timestamp)
    if abs(skew) > window_s:
        when = "old" if skew > 0 else "far in the future"
        raise StaleTimestamp(
            f"timestamp is {abs(skew):.0f}s {when}; the replay window is {window_s:.0f}s "
            "(check the sender's clock)"
        )
    expected = signature(secret, timestamp, body).encode()
    offered = [
        part.strip()[len(SCHEME) + 1 :].encode()
        for part in header.split(",")
        if part.strip().startswith(SCHEME + "=")
    ]
    if not offered:
        raise SignatureInvalid(f"{SIGNATURE_HEADER} must look like '{SCHEME}=<hex>'")
    matched = False
    for candidate in offered:  # no early exit: same work whichever candidate matches
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureInvalid("signature does not match the body and timestamp")
