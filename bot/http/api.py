"""The REST API for humans and tools: list mentions, read one with its history, decide.

Every call needs ``Authorization: Bearer <token>``; the token names the actor and their role
(settings ``api.tokens``). Decisions go through the same ``DecisionService`` as chat buttons.
An ``Idempotency-Key`` header (or ``idempotency_key`` in the body) makes a decision safe to
retry. Errors: 401 no/unknown token, 403 role does not allow it, 404 unknown mention, 409 the
mention's state forbids it (already decided, claimed) or the key was used for another decision,
422 malformed, 503 database unavailable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from bot.decisions import Actor, DecisionRequest, DecisionService
from bot.errors import Forbidden, InvalidDecision, PolicyBlocked, Unauthorized
from bot.http.jsonio import problem, respond
from bot.http.schema import DecisionIn, violations
from bot.settings import Settings
from models.domain import Label, Status
from models.errors import DecisionRefused, IdempotencyConflict, NotFound, StoreUnavailable
from models.store import Store

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_PAGE = 200


def _guarded(handler: Handler) -> Handler:
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Unauthorized as exc:
            return problem(401, "unauthorized", str(exc))
        except Forbidden as exc:
            return problem(403, "forbidden", str(exc))
        except NotFound as exc:
            return problem(404, "not_found", str(exc))
        except (DecisionRefused, IdempotencyConflict) as exc:
            return problem(409, "conflict", str(exc))
        except PolicyBlocked as exc:
            return problem(422, "policy", str(exc), findings=exc.findings)
        except InvalidDecision as exc:
            return problem(422, "invalid", str(exc))
        except StoreUnavailable as exc:
            return problem(503, "unavailable", str(exc), retry_after=5)

    return run


class Api:
    def __init__(self, store: Store, decisions: DecisionService, settings: Settings) -> None:
        self._store = store
        self._decisions = decisions
        self._settings = settings

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v1/mentions", _guarded(self.list_mentions)),
            web.get("/v1/mentions/{id:\\d+}", _guarded(self.get_mention)),
            web.post("/v1/mentions/{id:\\d+}/decisions", _guarded(self.post_decision)),
        ]

    def _actor(self, request: web.Request) -> Actor:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send 'Authorization: Bearer <token>'")
        entry = self._settings.token_for(token.strip())
        if entry is None:
            raise Unauthorized("unknown API token")
        return Actor(entry.actor, entry.role)

    async def list_mentions(self, request: web.Request) -> web.StreamResponse:
        self._actor(request)
        q = request.query
        try:
            status = Status(q["status"]) if "status" in q else None
            label = Label(q["label"]) if "label" in q else None
            limit = min(MAX_PAGE, max(1, int(q.get("limit", "50"))))
            offset = max(0, int(q.get("offset", "0")))
        except ValueError as exc:
            return problem(422, "invalid", f"bad query parameter: {exc}")
        mentions = await self._store.list_mentions(
            status=status, label=label, assignee=q.get("assignee"), limit=limit, offset=offset
        )
        return respond({"mentions": mentions, "limit": limit, "offset": offset})

    async def get_mention(self, request: web.Request) -> web.StreamResponse:
        self._actor(request)
        return respond(await self._store.get_mention(int(request.match_info["id"])))

    async def post_decision(self, request: web.Request) -> web.StreamResponse:
        actor = self._actor(request)
        try:
            body = DecisionIn.model_validate(json.loads(await request.read() or b"{}"))
        except ValueError as exc:
            details = violations(exc) if isinstance(exc, ValidationError) else []
            return problem(422, "invalid", "malformed decision", details=details)
        decision = await self._decisions.decide(
            actor,
            DecisionRequest(
                mention_id=int(request.match_info["id"]),
                action=body.action,
                text=body.text,
                label=body.label,
                idempotency_key=request.headers.get("Idempotency-Key") or body.idempotency_key,
                suggestion_id=body.suggestion_id,
                fill_ins=body.fill_ins,
            ),
        )
        return respond({"decision": decision}, status=200)
