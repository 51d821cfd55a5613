"""Shared pieces of the fake Discord: ids, the API prefix, user objects, rate-limit settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EPOCH_MS = 1420070400000
API = "/api/v10"
APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 900000000000000003
NO_RATE_LIMIT = ("/interactions/",)


def user(uid: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
    }


@dataclass
class Limits:
    per_route: int = 5
    window_s: float = 1.0
    global_per_s: int = 50


@dataclass
class _Bucket:
    reset_at: float = 0.0
    used: int = 0


def iso() -> str:
    return datetime.now(UTC).isoformat()
