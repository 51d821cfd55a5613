"""``DecisionService``: every human decision, from any chat adapter, the API or the CLI.

Rules, checked before the store records anything (refusals are written to the audit log):

* ``remove`` needs a moderator or admin.
* A mention claimed by someone else can only be approved, rejected, dismissed or removed by an
  admin; the override is audited. Releasing someone else's claim needs a moderator.
* The store adds its own: nothing is decided twice, a claimed mention cannot be claimed again.
* An approved reply — a suggestion as is, with fill-ins supplied, or edited — passes the reply
  check (``bot.replycheck``) first; a blocking finding refuses it with ``PolicyBlocked``
  (audited). A suggestion's stored blocking findings (e.g. moderator guidance, which is never a
  reply) also block it unless the text was edited.

Decisions are idempotent on their key: repeating one returns the first and does nothing else.
Approve and remove enqueue one outbox item (the outbox worker carries it out); after each
decision the listeners run (the card is updated, the outbox worker is woken).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace

from bot.errors import Forbidden, InvalidDecision, PolicyBlocked
from bot.metrics import Metrics
from bot.replycheck import ReplyChecker, blocking, fill_in
from models.domain import (
    Action,
    DecisionRecord,
    Label,
    MentionHistory,
    MentionRecord,
    Outcome,
    Role,
    SuggestionRecord,
)
from models.errors import DecisionRefused
from models.store import Store

log = logging.getLogger(__name__)

_RANK = {Role.AGENT: 0, Role.MODERATOR: 1, Role.ADMIN: 2}
_FINAL = frozenset({Action.APPROVE, Action.REJECT, Action.DISMISS, Action.REMOVE})

Listener = Callable[[DecisionRecord], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Actor:
    """A human acting through some channel, with the role they were granted."""

    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    mention_id: int
    action: Action
    text: str | None = None
    """approve: the reply to send (None: the top suggestion as is)."""
    label: Label | None = None
    """relabel: the new label."""
    idempotency_key: str | None = None
    """Same key, same decision: retries are harmless. None: a fresh key (no deduplication)."""
    suggestion_id: int | None = None
    """approve: which suggestion to send (None: the top-ranked one)."""
    fill_ins: Mapping[str, str] = field(default_factory=dict)
    """approve: values a human supplied for the suggestion's ``[[name]]`` fill-in variables."""


class DecisionService:
    def __init__(self, store: Store, metrics: Metrics, checker: ReplyChecker | None = None) -> None:
        self._store = store
        self._metrics = metrics
        self._checker = checker
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """Run ``listener(decision)`` after every newly recorded decision (errors are logged)."""
        self._listeners.append(listener)

    async def decide(self, actor: Actor, request: DecisionRequest) -> DecisionRecord:
        """Authorise, record and apply a decision. Raises Forbidden (403, audited),
        DecisionRefused (409, audited by the store), InvalidDecision (422), NotFound (404)."""
        key = request.idempotency_key or uuid.uuid4().hex
        history = await self._store.get_mention(request.mention_id)
        for prior in history.decisions:
            if prior.idempotency_key == key and prior.actor == actor.name:
                return prior  # a retry: already done, nothing more to do
        mention = history.mention
        refusal, override = _authorise(actor, request.action, mention)
        if refusal is not None:
            await self._store.audit(
                actor.name,
                f"decision.{request.action}",
                mention_id=mention.id,
                detail={"reason": refusal, "role": str(actor.role), "idempotency_key": key},
                outcome=Outcome.REFUSED,
            )
            self._metrics.decided.labels(str(request.action), "forbidden").inc()
            raise Forbidden(refusal)
        chosen = None
        if request.action in (Action.APPROVE, Action.REJECT):
            chosen = _chosen(request, history)
        record = _record(actor, request, chosen, key)
        if record.action is Action.APPROVE:
            await self._check_reply(actor, record, request, history.mention, chosen)
        try:
            recorded = await self._store.record_decision(record)
        except DecisionRefused:
            self._metrics.decided.labels(str(request.action), "refused").inc()
            raise
        except ValueError as exc:
            raise InvalidDecision(str(exc)) from exc
        if override:
            await self._store.audit(
                actor.name,
                "override.claim",
                mention_id=mention.id,
                detail={"claimed_by": mention.assignee, "decision_id": recorded.id},
            )
        self._metrics.decided.labels(str(request.action), "allowed").inc()
        log.info(
            "decision recorded",
            extra={"mention_id": mention.id, "action": str(request.action), "actor": actor.name},
        )
        for listener in self._listeners:
            try:
                await listener(recorded)
            except Exception:  # a stale card must not undo a recorded decision
                log.exception("decision listener failed", extra={"mention_id": mention.id})
        return recorded

    async def _check_reply(
        self,
        actor: Actor,
        record: DecisionRecord,
        request: DecisionRequest,
        mention: MentionRecord,
        chosen: SuggestionRecord | None,
    ) -> None:
        text = record.after_text if record.after_text is not None else record.before_text
        assert text is not None  # _record made sure
        findings = []
        if self._checker is not None:
            findings = self._checker.check(mention, record.playbook_id, text, request.fill_ins)
        if chosen is not None and record.after_text is None:
            stored = [f for f in chosen.findings if isinstance(f, dict)]
            if self._checker is not None or request.fill_ins:  # re-checked above, or stale
                stored = [f for f in stored if str(f.get("rule", "")).startswith("guidance.")]
            findings += stored
        stops = blocking(findings)
        if not stops:
            return
        reasons = "; ".join(str(f.get("message", f.get("rule"))) for f in stops)
        await self._store.audit(
            actor.name,
            "decision.approve",
            mention_id=mention.id,
            detail={
                "reason": "policy",
                "findings": stops,
                "idempotency_key": record.idempotency_key,
            },
            outcome=Outcome.REFUSED,
        )
        self._metrics.decided.labels(str(Action.APPROVE), "blocked").inc()
        raise PolicyBlocked(f"the reply cannot be sent: {reasons}", stops)


def _chosen(request: DecisionRequest, history: MentionHistory) -> SuggestionRecord | None:
    """The suggestion an approval sends: the one asked for, else the top-ranked."""
    if request.suggestion_id is not None:
        for s in history.suggestions:
            if s.id == request.suggestion_id:
                return s
        raise InvalidDecision(
            f"suggestion {request.suggestion_id} is not one of mention {request.mention_id}'s"
        )
    return min(history.suggestions, key=lambda s: (s.rank, s.id), default=None)


def _authorise(actor: Actor, action: Action, mention: MentionRecord) -> tuple[str | None, bool]:
    """(reason to refuse or None, whether an admin overrides someone else's claim)."""
    rank = _RANK[actor.role]
    if action is Action.REMOVE and rank < _RANK[Role.MODERATOR]:
        return "removing a post needs the moderator or admin role", False
    claimed_by_other = mention.assignee is not None and mention.assignee != actor.name
    if claimed_by_other and action in _FINAL:
        if actor.role is Role.ADMIN:
            return None, True
        return (
            f"mention {mention.id} is claimed by {mention.assignee}; "
            f"only they or an admin can {action} it",
            False,
        )
    if claimed_by_other and action is Action.UNCLAIM and rank < _RANK[Role.MODERATOR]:
        return (
            f"mention {mention.id} is claimed by {mention.assignee}; only they or a moderator "
            "can release the claim",
            False,
        )
    return None, False


def _record(
    actor: Actor, request: DecisionRequest, top: SuggestionRecord | None, key: str
) -> DecisionRecord:
    """The decision to record; ``top``: the suggestion an approve/reject is about."""
    if top is not None and request.fill_ins:
        top = replace(top, text=fill_in(top.text, request.fill_ins))
    before = after = None
    playbook_id = playbook_version = None
    if request.action is Action.APPROVE:
        if request.text is not None and not request.text.strip():
            raise InvalidDecision("the reply text is empty")
        if top is None and request.text is None:
            raise InvalidDecision(
                f"mention {request.mention_id} has no suggested reply: approve it with a text"
            )
        before = None if top is None else top.text
        after = request.text
    if top is not None:
        playbook_id, playbook_version = top.playbook_id, top.playbook_version
    if request.action is Action.RELABEL and request.label is None:
        raise InvalidDecision("relabel needs the new label")
    return DecisionRecord(
        mention_id=request.mention_id,
        actor=actor.name,
        role=actor.role,
        action=request.action,
        idempotency_key=key,
        before_text=before,
        after_text=after,
        to_label=request.label if request.action is Action.RELABEL else None,
        playbook_id=playbook_id,
        playbook_version=playbook_version,
    )
