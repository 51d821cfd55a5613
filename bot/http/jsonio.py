"""Domain records as JSON for the API (dataclasses, enums and aware datetimes)."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import datetime
from typing import Any

from aiohttp import web


def plain(value: Any) -> Any:
    """Dataclasses → dicts, enums → values, datetimes → ISO 8601, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        plain(data),
        status=status,
        headers=headers,
        dumps=lambda o: json.dumps(o, ensure_ascii=False),
    )


def problem(status: int, code: str, message: str, **extra: Any) -> web.Response:
    """An error answer: ``{"error": code, "message": ...}``."""
    headers = {"Retry-After": str(extra.pop("retry_after"))} if "retry_after" in extra else None
    if status == 401:
        headers = (headers or {}) | {"WWW-Authenticate": 'Bearer realm="mentionbot"'}
    return respond({"error": code, "message": message, **extra}, status, headers)
