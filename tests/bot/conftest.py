"""Fixtures for runtime tests: the real bot (``bot.app.running``) on both database backends,
with the far ends of the wire (chat, publisher) faked by a local aiohttp server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.http.signing import sign
from bot.settings import Settings
from tests.bot.fakes import TOKEN, FarEnd, Served
from tests.conftest import run_isolated

SECRET = "test-ingest-secret"
TOKENS = {
    "alice": ("tok-alice", "agent"),
    "bob": ("tok-bob", "agent"),
    "maya": ("tok-maya", "moderator"),
    "ada": ("tok-ada", "admin"),
}


@dataclass(frozen=True)
class ModelFiles:
    model_dir: Path
    cache_dir: Path


async def _build_untrained(directory: Path, cache: Path) -> None:
    from classifiers.config import ClassifierConfig
    from classifiers.fast import OnnxMentionClassifier
    from classifiers.model import MentionClassifier

    await asyncio.to_thread(
        lambda: MentionClassifier.fresh(ClassifierConfig(version="untrained-test")).save(directory)
    )
    await asyncio.to_thread(OnnxMentionClassifier.from_artifact, directory, cache, 1)


@pytest.fixture(scope="session")
def model_files(tmp_path_factory: pytest.TempPathFactory) -> ModelFiles:
    """The shipped model if there is one, else an untrained one saved like a trained one (the
    inference path is the same; the tests do not depend on which labels come out)."""
    from classifiers.config import ARTIFACT_DIR, CONFIG_FILE
    from classifiers.fast import DEFAULT_CACHE_DIR

    if (ARTIFACT_DIR / CONFIG_FILE).is_file():
        return ModelFiles(ARTIFACT_DIR, DEFAULT_CACHE_DIR)
    root = tmp_path_factory.mktemp("model")
    files = ModelFiles(root / "mention-classifier", root / "onnx")
    run_isolated(_build_untrained(files.model_dir, files.cache_dir))
    return files


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def bot_settings(
    db_url: str, model: ModelFiles | None, far_end: str | None = None, **sections: Any
) -> Settings:
    """Settings for a test bot: HTTP on a free port, fast polling and backoff; with ``far_end``
    cards go to the fake chat and replies to the fake bridge, else to the console."""
    values: dict[str, Any] = {
        "database": {"url": db_url},
        "http": {"port": 0, "ingest_secret": SECRET},
        "api": {
            "tokens": [{"token": t, "actor": name, "role": r} for name, (t, r) in TOKENS.items()]
        },
        "pipeline": {
            "enabled": model is not None,
            "poll_interval_s": 0.05,
            "lease_s": 10,
            "store_retry_s": 0.1,
        },
        "retry": {"base_s": 0.02, "cap_s": 0.2, "attempts": 2},
        "logging": {"level": "WARNING"},
        # the real playbook library, matched by label/keyword/regex (no sentence encoder load)
        "playbooks": {"semantic": False},
    }
    if model is not None:
        values["classifier"] = {
            "model_dir": str(model.model_dir),
            "onnx_cache_dir": str(model.cache_dir),
            "threads": 1,
        }
    if far_end is not None:
        values["chat"] = {
            "adapter": "webapi",
            "channel": "C-REVIEW",
            "webapi": {"base_url": f"{far_end}/api", "token": TOKEN, "timeout_s": 5},
        }
        values["publish"] = {"default": "webhook", "webhook": {"url": f"{far_end}/pub"}}
    return Settings.load(**_merge(values, sections))


@pytest.fixture
async def far_end() -> AsyncIterator[tuple[FarEnd, str]]:
    fake = FarEnd()
    async with Served(fake.app()) as url:
        yield fake, url


def mention_json(n: int, *, author: str | None = None, **fields: Any) -> dict[str, Any]:
    """An ingest object with external id ``m{n}``; keyword arguments override fields."""
    obj: dict[str, Any] = {
        "source": "x",
        "external_id": f"m{n}",
        "author": {"id": author or f"user{n}", "name": f"User {n}"},
        "text": f"@skylark question number {n}: is my flight on time?",
        "url": f"https://x.example/{n}",
        "language": "en",
        "created_at": "2025-03-14T09:00:00+00:00",
    }
    obj.update(fields)
    return obj


class Client:
    """Talks to a running test bot over HTTP, as ingesters and API users would."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def ingest_raw(
        self, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        async with self.session.post(
            f"{self.url}/v1/mentions", data=body, headers=headers or {}
        ) as resp:
            return resp.status, await resp.json(content_type=None), dict(resp.headers)

    async def ingest(self, payload: Any, secret: str = SECRET) -> tuple[int, Any]:
        body = json.dumps(payload).encode()
        status, answer, _ = await self.ingest_raw(body, sign(secret, body))
        return status, answer

    async def api(
        self, method: str, path: str, who: str | None = "alice", **kw: Any
    ) -> tuple[int, Any]:
        headers = kw.pop("headers", {})
        if who is not None:
            headers["Authorization"] = f"Bearer {TOKENS[who][0]}"
        async with self.session.request(method, f"{self.url}{path}", headers=headers, **kw) as resp:
            return resp.status, await resp.json(content_type=None)

    async def decide(self, mention_id: int, who: str, **body: Any) -> tuple[int, Any]:
        return await self.api("POST", f"/v1/mentions/{mention_id}/decisions", who, json=body)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float = 60.0, what: str = "condition"
) -> None:
    """Poll ``check`` until it holds (``within`` seconds only turns a hang into a failure)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
