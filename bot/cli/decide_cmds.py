"""``mentionbot decide ID ACTION`` and ``mentionbot queue``: the REST API from a shell.

They talk to a running bot (``serve`` or ``demo``). The API address and token come from the
options, else ``MENTIONBOT_API_URL`` / ``MENTIONBOT_API_TOKEN``, else the files a running demo
writes under ``var/demo/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from models.domain import Action, Label, Status

DEMO_DIR = Path("var/demo")


def register(sub: Any) -> None:
    decide = sub.add_parser("decide", help="decide on a mention through the API")
    decide.add_argument("mention_id", type=int)
    decide.add_argument("action", choices=[a.value for a in Action])
    decide.add_argument("--text", help="approve: the reply to send (default: top suggestion)")
    decide.add_argument("--label", choices=[lab.value for lab in Label], help="relabel: new label")
    decide.add_argument("--key", help="idempotency key (default: a fresh one)")
    _connection(decide)
    decide.set_defaults(handler=run_decide)

    queue = sub.add_parser("queue", help="list mentions through the API")
    queue.add_argument("--status", choices=[s.value for s in Status], default="relayed")
    queue.add_argument("--limit", type=int, default=50)
    _connection(queue)
    queue.set_defaults(handler=run_queue)


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", help="API base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token", help="API token (prefer MENTIONBOT_API_TOKEN)")


def _demo_file(name: str) -> str | None:
    path = DEMO_DIR / name
    return path.read_text().strip() if path.is_file() else None


def _where(args: argparse.Namespace) -> tuple[str, str]:
    url = args.api or os.environ.get("MENTIONBOT_API_URL") or _demo_file("api-url")
    token = args.token or os.environ.get("MENTIONBOT_API_TOKEN") or _demo_file("api-token")
    if not url or not token:
        raise SystemExit(
            "mentionbot: error: give --api and --token (or MENTIONBOT_API_URL and "
            "MENTIONBOT_API_TOKEN), or start `mentionbot demo` first"
        )
    return url.rstrip("/"), token


async def _request(method: str, url: str, token: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.request(method, url, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


def run_decide(args: argparse.Namespace) -> int:
    url, token = _where(args)
    body = {
        "action": args.action,
        "text": args.text,
        "label": args.label,
        "idempotency_key": args.key or f"cli-{uuid.uuid4().hex}",
    }
    target = f"{url}/v1/mentions/{args.mention_id}/decisions"
    try:
        status, answer = asyncio.run(_request("POST", target, token, body))
    except aiohttp.ClientError as exc:
        print(f"mentionbot: error: cannot reach {url}: {exc}", file=sys.stderr)
        return 2
    if status != 200:
        print(f"refused ({status}): {answer.get('message', answer)}", file=sys.stderr)
        return 1
    d = answer["decision"]
    print(f"#{d['mention_id']}: {d['action']} recorded for {d['actor']} (decision {d['id']})")
    return 0


def run_queue(args: argparse.Namespace) -> int:
    url, token = _where(args)
    target = f"{url}/v1/mentions?status={args.status}&limit={args.limit}"
    try:
        status, answer = asyncio.run(_request("GET", target, token))
    except aiohttp.ClientError as exc:
        print(f"mentionbot: error: cannot reach {url}: {exc}", file=sys.stderr)
        return 2
    if status != 200:
        print(f"refused ({status}): {json.dumps(answer)}", file=sys.stderr)
        return 1
    for m in answer["mentions"]:
        text = " ".join(m["text"].split())[:70]
        label = m["label"] or "-"
        print(f"#{m['id']:<5} {label:<9} {m['source']:<8} @{m['author_external_id']}: {text}")
    return 0
