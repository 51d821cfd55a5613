"""Crash test: the real bot as subprocesses, SIGKILLed at several stages while 1,000 mentions
flow, restarted each time. At the end every mention was classified once and relayed once
(counted at the fake chat), and every decision was carried out once (counted at the fake
publishing bridge). SQLite: one process. PostgreSQL: two (``serve`` + ``worker``)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.http.signing import sign
from models.db import create_engine
from models.domain import OutboxStatus, Status
from models.store import Store
from tests.bot.conftest import SECRET, TOKENS, ModelFiles, eventually, mention_json
from tests.bot.fakes import TOKEN, FarEnd
from tests.conftest import Backend

TOTAL = 1000
DECISIONS = 100
BATCH = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Fleet:
    """The bot's processes: ``serve`` (HTTP + pipeline), plus a ``worker`` on PostgreSQL."""

    def __init__(self, env: dict[str, str], roles: list[str], log_dir: Path) -> None:
        self.env = env
        self.roles = roles
        self.log_dir = log_dir
        self.procs: list[asyncio.subprocess.Process] = []
        self.kills: list[str] = []
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        for role in self.roles:
            log = (self.log_dir / f"{role}-{self.starts}.log").open("wb")
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", role, env=self.env, stdout=log, stderr=log
            )
            self.procs.append(proc)

    def kill(self, why: str) -> None:
        """SIGKILL every process now (synchronous: callable from inside a fake's handler)."""
        if not self.procs:
            return
        self.kills.append(why)
        for proc in self.procs:
            if proc.returncode is None:
                os.kill(proc.pid, signal.SIGKILL)

    async def restart(self) -> None:
        for proc in self.procs:
            await proc.wait()
        self.procs.clear()
        await self.start()

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in self.procs:
            await proc.wait()


def _env(db_url: str, port: int, far_end: str, model: ModelFiles) -> dict[str, str]:
    tokens = [{"token": t, "actor": name, "role": r} for name, (t, r) in TOKENS.items()]
    return os.environ | {
        "MENTIONBOT_DATABASE__URL": db_url,
        "MENTIONBOT_HTTP__PORT": str(port),
        "MENTIONBOT_HTTP__INGEST_SECRET": SECRET,
        "MENTIONBOT_API__TOKENS": json.dumps(tokens),
        "MENTIONBOT_CHAT__ADAPTER": "webapi",
        "MENTIONBOT_CHAT__CHANNEL": "C-REVIEW",
        "MENTIONBOT_CHAT__WEBAPI__BASE_URL": f"{far_end}/api",
        "MENTIONBOT_CHAT__WEBAPI__TOKEN": TOKEN,
        "MENTIONBOT_PUBLISH__DEFAULT": "webhook",
        "MENTIONBOT_PLAYBOOKS__SEMANTIC": "false",
        "MENTIONBOT_PUBLISH__WEBHOOK__URL": f"{far_end}/pub",
        "MENTIONBOT_CLASSIFIER__MODEL_DIR": str(model.model_dir),
        "MENTIONBOT_CLASSIFIER__ONNX_CACHE_DIR": str(model.cache_dir),
        "MENTIONBOT_CLASSIFIER__THREADS": "1",
        "MENTIONBOT_PIPELINE__LEASE_S": "3",
        "MENTIONBOT_PIPELINE__POLL_INTERVAL_S": "0.1",
        "MENTIONBOT_PIPELINE__STORE_RETRY_S": "0.2",
        "MENTIONBOT_RETRY__BASE_S": "0.05",
        "MENTIONBOT_RETRY__CAP_S": "0.5",
        "MENTIONBOT_LOGGING__LEVEL": "WARNING",
    }


async def _until_ok(
    call: Callable[[], Any], session_error: type[BaseException] = aiohttp.ClientError
) -> Any:
    """Repeat a request until the bot answers it (it may be down between kill and restart)."""
    while True:
        try:
            status, answer = await call()
        except (TimeoutError, session_error):
            await asyncio.sleep(0.2)
            continue
        if status in (200, 202):
            return answer
        assert status == 503, (status, answer)
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_sigkill_at_several_stages_loses_nothing_and_repeats_nothing(
    backend: Backend, model_files: ModelFiles, far_end: tuple[FarEnd, str], tmp_path: Path
) -> None:
    fake, fake_url = far_end
    port = _free_port()
    roles = ["serve"] if backend.name == "sqlite" else ["serve", "worker"]
    fleet = Fleet(_env(backend.url, port, fake_url, model_files), roles, tmp_path)
    base = f"http://127.0.0.1:{port}"
    # Kill right after the chat stored a card but before the bot heard back (the post → record
    # window), and likewise after the bridge carried out a reply.
    fake.after_post = lambda n: fleet.kill(f"after card {n}") if n in (120, 560) else None
    fake.after_action = lambda n: fleet.kill(f"after reply {n}") if n == 30 else None
    engine = create_engine(backend.url)
    store = Store(engine)
    await fleet.start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:

            async def ingest(payload: bytes) -> tuple[int, Any]:
                async with http.post(f"{base}/v1/mentions", data=payload,
                                     headers=sign(SECRET, payload)) as resp:  # fmt: skip
                    return resp.status, await resp.json(content_type=None)

            async def feed() -> list[int]:
                ids: list[int] = []
                for start in range(0, TOTAL, BATCH):
                    body = json.dumps(
                        {"mentions": [mention_json(i) for i in range(start, start + BATCH)]}
                    ).encode()
                    answer = await _until_ok(lambda b=body: ingest(b))
                    ids += [r["id"] for r in answer["results"]]
                    if start == 300:  # kill while mentions are being classified
                        fleet.kill("while classifying")
                return ids

            async def supervise() -> None:
                """Restart the fleet whenever it was killed, until everything is done."""
                while True:
                    if any(p.returncode is not None for p in fleet.procs):
                        await fleet.restart()
                    await asyncio.sleep(0.1)

            supervisor = asyncio.create_task(supervise())
            try:
                ids = await feed()
                assert len(set(ids)) == TOTAL

                async def relayed_all() -> bool:
                    return (await store.queue_depth())[Status.RELAYED] == TOTAL

                await eventually(relayed_all, within=240, what="1,000 mentions relayed")

                async def decide(mid: int) -> tuple[int, Any]:
                    body = {"action": "approve", "text": f"reply to {mid}",
                            "idempotency_key": f"crash-{mid}"}  # fmt: skip
                    headers = {"Authorization": f"Bearer {TOKENS['alice'][0]}"}
                    url = f"{base}/v1/mentions/{mid}/decisions"
                    async with http.post(url, json=body, headers=headers) as resp:
                        return resp.status, await resp.json(content_type=None)

                for n, mid in enumerate(ids[:DECISIONS]):
                    await _until_ok(lambda m=mid: decide(m))
                    if n == 60:
                        fleet.kill("while deciding")

                async def published_all() -> bool:
                    return (await store.outbox_depth())[OutboxStatus.DONE] == DECISIONS

                await eventually(published_all, within=120, what="100 replies published")
            finally:
                supervisor.cancel()
        assert len(fleet.kills) >= 5, fleet.kills
        # the interrupted post and reply were found at the far end, not repeated
        assert fake.calls["conversations.history"] >= 1 and fake.calls["lookup"] >= 1
        # relayed exactly once, counted at the chat's far end
        assert {mid: fake.posts[mid] for mid in ids} == {mid: 1 for mid in ids}
        assert len(fake.messages) == TOTAL
        # classified exactly once: one prediction and one received→classified step each
        async with engine.connect() as conn:
            per_mention = (
                await conn.execute(
                    text("SELECT mention_id, count(*) FROM predictions GROUP BY mention_id")
                )
            ).all()
            steps = (
                await conn.execute(
                    text("SELECT count(*) FROM stage_events WHERE to_status = 'classified'")
                )
            ).scalar_one()
            decisions = (await conn.execute(text("SELECT count(*) FROM decisions"))).scalar_one()
        assert len(per_mention) == TOTAL and {n for _, n in per_mention} == {1}
        assert steps == TOTAL
        # every decision recorded once and carried out once, counted at the bridge
        assert decisions == DECISIONS
        assert len(fake.sends) == DECISIONS and set(fake.sends.values()) == {1}
    finally:
        await fleet.stop()
        await engine.dispose()
