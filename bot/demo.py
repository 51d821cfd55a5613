"""``mentionbot demo``: the whole bot on SQLite, fed the Skylark Air example stream.

Everything is real — signed ingest over HTTP, the durable pipeline, the classifier, decisions
and the outbox — except the ends of the wire: cards go to the terminal (console chat) and
replies to the console publisher. In a terminal the demo stays up so you can decide
(``approve 12 Thanks!`` here, or ``mentionbot decide 12 approve`` from another terminal);
with ``once`` (or no terminal) it approves one reply itself, shows it published, and exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from bot import logs
from bot.app import Bot, running
from bot.decisions import Actor, DecisionRequest
from bot.http.signing import sign
from bot.settings import Settings
from models.domain import Action, OutboxStatus, Role, Status

DEMO_DIR = Path("var/demo")
TOKEN_FILE = "api-token"
URL_FILE = "api-url"
EXAMPLE_REPLY = (
    "Thanks for telling us, and sorry for the trouble. Please DM us your booking reference "
    "and we'll sort it out today. — Skylark Air support"
)
WAITING = (Status.RECEIVED, Status.CLASSIFIED, Status.SUGGESTED)


@dataclass(frozen=True)
class DemoOptions:
    once: bool
    port: int
    directory: Path = DEMO_DIR
    pace_s: float = 0.4
    """Pause between example batches in interactive mode (so the queue fills visibly)."""


def example_stream() -> list[dict[str, Any]]:
    text = files("bot.examples").joinpath("skylark_air.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def demo_settings(base: Settings, opts: DemoOptions, token: str, interactive: bool) -> Settings:
    """The demo's own settings on top of ``base`` (e.g. classifier options from the env)."""
    db = opts.directory / "mentionbot.db"
    return Settings.load(
        database={"url": f"sqlite+aiosqlite:///{db}"},
        classifier=base.classifier.model_dump(),
        http={"port": opts.port, "ingest_secret": secrets.token_urlsafe(24)},
        api={"tokens": [{"token": token, "actor": "you", "role": "admin"}]},
        chat={"adapter": "console", "console": {"actor": "you", "interactive": interactive}},
        publish={"default": "console"},
        pipeline={"poll_interval_s": 0.2, "lease_s": 30, "relay_concurrency": 1},
        logging={"level": os.environ.get("MENTIONBOT_LOGGING__LEVEL", "WARNING")},
    )


async def run_demo(base: Settings, opts: DemoOptions, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    interactive = not opts.once and sys.stdin.isatty()
    shutil.rmtree(opts.directory, ignore_errors=True)
    opts.directory.mkdir(parents=True)
    token = secrets.token_urlsafe(24)
    settings = demo_settings(base, opts, token, interactive)
    logs.configure(settings.logging)

    def say(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    say("Starting mentionbot (SQLite in var/demo/, console chat, console publisher)…")
    async with running(settings, out=out) as bot:
        assert bot.http is not None
        _write_private(opts.directory / TOKEN_FILE, token)
        _write_private(opts.directory / URL_FILE, bot.http.url)
        stream = example_stream()
        say(f"Feeding {len(stream)} example mentions for Skylark Air to {bot.http.url}/v1/mentions")
        await feed(bot.http.url, settings, stream, batch=3, pace_s=0 if opts.once else opts.pace_s)
        await wait_until(bot, lambda q, o: sum(q[s] for s in WAITING) == 0)
        queue = await bot.store.list_mentions(status=Status.RELAYED, limit=100)
        say(f"\nReview queue: {len(queue)} mentions waiting for a human.")
        if interactive:
            say(
                "Decide here (e.g. `approve 3 Thanks, we're on it!`, `remove 3`), or from "
                "another terminal:\n  .venv/bin/mentionbot decide 3 approve --text 'Thanks!'\n"
                "Type `quit` or press Ctrl-C to stop."
            )
            await bot.quit_requested.wait()
            return 0
        first = min(queue, key=lambda m: m.id)
        say(f"\nApproving a reply to #{first.id} as 'you' (like `mentionbot decide {first.id} "
            "approve --text ...`):")  # fmt: skip
        await bot.decisions.decide(
            Actor("you", Role.ADMIN),
            DecisionRequest(first.id, Action.APPROVE, text=EXAMPLE_REPLY, idempotency_key="demo-1"),
        )
        await wait_until(bot, lambda q, o: o[OutboxStatus.DONE] >= 1)
        say("\nDone: ingested, classified, relayed, decided and published. Bye.")
    return 0


async def feed(
    url: str, settings: Settings, stream: list[dict[str, Any]], batch: int, pace_s: float
) -> None:
    """POST the stream to the ingest endpoint, signed, ``batch`` mentions per request."""
    assert settings.http.ingest_secret is not None
    secret = settings.http.ingest_secret.get_secret_value()
    async with aiohttp.ClientSession() as session:
        for start in range(0, len(stream), batch):
            body = json.dumps({"mentions": stream[start : start + batch]}).encode()
            headers = sign(secret, body) | {"Content-Type": "application/json"}
            async with session.post(f"{url}/v1/mentions", data=body, headers=headers) as resp:
                if resp.status != 202:
                    raise RuntimeError(f"ingest answered {resp.status}: {await resp.text()}")
            if pace_s:
                await asyncio.sleep(pace_s)


async def wait_until(bot: Bot, done: Any, timeout_s: float = 120.0) -> None:
    """Poll the queue and outbox depths until ``done(queue, outbox)`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        if done(await bot.store.queue_depth(), await bot.store.outbox_depth()):
            return
        if loop.time() > deadline:
            raise TimeoutError("the demo pipeline did not finish in time")
        await asyncio.sleep(0.1)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
