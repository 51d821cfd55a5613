"""Clicks and forms → decisions. Each handler answers the interaction at once (ephemeral
"thinking"), acts, then follows up with what happened; refusals are ephemeral and audited."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import discord

from bot.decisions import Actor, DecisionRequest
from bot.discord.appeals import APPEAL_MODAL, Appeals, Restorer
from bot.discord.context import Context
from bot.discord.embeds import NO_PINGS
from bot.discord.modlog import mention_entry
from bot.discord.roles import actor_name, actor_of, at_least
from bot.discord.wire import SOURCE, MessageLink, translated
from bot.errors import BotError, Forbidden, PolicyBlocked
from models.domain import Action, Label, Outcome, Role
from models.errors import StoreError
from models.moderation import ModAction
from models.store.base import utcnow

log = logging.getLogger(__name__)
EDIT_MODAL = "editform"
_DECISIONS = {"approve": Action.APPROVE, "claim": Action.CLAIM, "unclaim": Action.UNCLAIM}
_DECISIONS["remove"] = Action.REMOVE
_NEEDS = {"timeout": Role.MODERATOR, "ban": Role.MODERATOR, "notspam": Role.MODERATOR}
_NEEDS.update(restore=Role.MODERATOR, accept=Role.MODERATOR, reject=Role.MODERATOR)


class DeskActions:
    """The client's ``ButtonHandler``: routes every click and form submission."""

    def __init__(self, ctx: Context, restorer: Restorer, appeals: Appeals) -> None:
        self._ctx = ctx
        self._restorer = restorer
        self._appeals = appeals

    async def on_button(self, interaction: discord.Interaction[Any], kind: str, ref: int) -> None:
        ctx = self._ctx
        if kind == "appeal":  # from a DM: only the author may, the store checks
            limit = ctx.settings.appeals.max_statement
            await interaction.response.send_modal(Appeals.form(ref, limit))
            return
        actor = actor_of(interaction.user, ctx.settings.roles)
        if kind == "edit" and actor is not None:
            await interaction.response.send_modal(await self._edit_form(ref))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        needed = _NEEDS.get(kind, Role.AGENT)
        if not at_least(actor, needed):
            answer = await self._refuse(interaction, kind, ref, needed)
        else:
            assert actor is not None
            answer = await self._act(interaction, actor, kind, ref)
        await interaction.followup.send(answer, ephemeral=True, allowed_mentions=NO_PINGS)

    async def on_relabel(
        self, interaction: discord.Interaction[Any], mention_id: int, label: Label
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = actor_of(interaction.user, self._ctx.settings.roles)
        if actor is None:
            answer = await self._refuse(interaction, "relabel", mention_id, Role.AGENT)
        else:
            answer = await self._guarded(self._relabel(actor, mention_id, label, interaction))
        await interaction.followup.send(answer, ephemeral=True, allowed_mentions=NO_PINGS)

    async def on_form(self, interaction: discord.Interaction[Any], kind: str, ref: int) -> None:
        """A submitted form (edit reply, appeal statement)."""
        values = _form_values(interaction.data or {})
        await interaction.response.defer(ephemeral=True, thinking=True)
        if kind == APPEAL_MODAL:
            statement = values.get("statement", "").strip() or "(no statement)"
            answer = await self._guarded(self._appeals.submit(interaction.user, ref, statement))
        elif kind == EDIT_MODAL:
            actor = actor_of(interaction.user, self._ctx.settings.roles)
            if actor is None:
                answer = await self._refuse(interaction, "approve", ref, Role.AGENT)
            else:
                text = values.get("text", "")
                answer = await self._guarded(
                    self._decide(actor, ref, Action.APPROVE, interaction, text)
                )
        else:
            answer = "unknown form"
        await interaction.followup.send(answer, ephemeral=True, allowed_mentions=NO_PINGS)

    async def _act(
        self, interaction: discord.Interaction[Any], actor: Actor, kind: str, ref: int
    ) -> str:
        if (action := _DECISIONS.get(kind)) is not None:
            return await self._guarded(self._decide(actor, ref, action, interaction))
        if kind in ("timeout", "ban"):
            return await self._guarded(self._sanction(actor, kind, ref, interaction))
        if kind == "notspam":
            return await self._guarded(self._not_spam(actor, ref))
        if kind == "restore":
            why = f"not spam, said {actor.name}"
            return await self._guarded(self._restorer.restore(ref, actor, why))
        if kind in ("accept", "reject"):
            return await self._guarded(self._appeals.decide(ref, actor, kind == "accept"))
        return f"unknown action {kind!r}"

    async def _guarded(self, work: Any) -> str:
        try:
            return str(await work)
        except Forbidden as exc:  # already audited by the DecisionService
            return f"Refused: {exc}"
        except PolicyBlocked as exc:  # the reply policy check: show each finding
            lines = [f"Not sent: {exc}"]
            for f in exc.findings[:10]:
                rule, severity = f.get("rule", "?"), f.get("severity", "?")
                lines.append(f"- {severity} {rule}: {f.get('message', '')}")
            return "\n".join(lines)[:1900]
        except (BotError, StoreError) as exc:
            return f"Not done: {exc}"

    async def _refuse(
        self, interaction: discord.Interaction[Any], kind: str, ref: int, needed: Role
    ) -> str:
        reason = f"{kind} needs the {needed} role (or higher)"
        mention_id: int | None = ref if kind in _ON_MENTIONS else None
        if mention_id is not None:
            try:
                await self._ctx.store.get_mention(mention_id)
            except StoreError:
                mention_id = None
        await self._ctx.store.audit(
            actor_name(interaction.user),
            f"discord.{kind}",
            mention_id=mention_id,
            detail={"reason": reason, "ref": ref, "interaction": str(interaction.id)},
            outcome=Outcome.REFUSED,
        )
        return f"Refused: {reason}."

    async def _decide(
        self,
        actor: Actor,
        mention_id: int,
        action: Action,
        interaction: discord.Interaction[Any],
        text: str | None = None,
    ) -> str:
        key = f"discord:{interaction.id}"
        request = DecisionRequest(mention_id, action, text=text, idempotency_key=key)
        await self._ctx.decisions.decide(actor, request)
        return f"{action} recorded for mention #{mention_id}"

    async def _relabel(
        self, actor: Actor, mention_id: int, label: Label, interaction: discord.Interaction[Any]
    ) -> str:
        history = await self._ctx.store.get_mention(mention_id)
        key = f"discord:{interaction.id}"
        request = DecisionRequest(mention_id, Action.RELABEL, label=label, idempotency_key=key)
        await self._ctx.decisions.decide(actor, request)
        p = history.prediction
        if p is not None and p.label is not label:
            await self._ctx.store.record_feedback(
                mention_id,
                label,
                actor.name,
                "relabel",
                from_label=p.label,
                model_version=p.model_version,
            )
        return f"mention #{mention_id} relabelled {label}"

    async def _not_spam(self, actor: Actor, mention_id: int) -> str:
        removals = [
            e
            for e in await self._ctx.store.list_moderation(source=SOURCE, mention_id=mention_id)
            if e.action is ModAction.REMOVE
        ]
        if removals:
            return await self._restorer.restore(
                removals[0].id, actor, f"not spam, said {actor.name}"
            )
        await self._restorer.not_spam(mention_id, actor, reason="not_spam")
        return f"mention #{mention_id} marked not spam"

    async def _sanction(
        self, actor: Actor, kind: str, mention_id: int, interaction: discord.Interaction[Any]
    ) -> str:
        ctx = self._ctx
        history = await ctx.store.get_mention(mention_id)
        m = history.mention
        link = MessageLink.parse(m.url)
        if link.guild_id is None:
            return "not a guild message"
        client, uid = ctx.live(), int(m.author_external_id)
        reason = f"{kind} by {actor.name} (mention #{mention_id})"
        async with translated(kind):
            if kind == "ban":
                seconds = ctx.settings.ban_delete_message_s
                await client.http.ban(uid, link.guild_id, seconds, reason=reason)
            else:
                until = utcnow() + timedelta(minutes=ctx.settings.timeout_minutes)
                await client.http.edit_member(
                    link.guild_id,
                    uid,
                    reason=reason,
                    communication_disabled_until=until.isoformat(),
                )
        await ctx.store.record_moderation(
            mention_entry(
                history,
                link,
                key=f"{kind}:{mention_id}:{interaction.id}",
                actor=actor.name,
                action=ModAction.BAN if kind == "ban" else ModAction.TIMEOUT,
                reason=reason,
            )
        )
        ctx.modlog_wake.set()
        return f"{m.author_name}: {kind} done"

    async def _edit_form(self, mention_id: int) -> discord.ui.Modal:
        history = await self._ctx.store.get_mention(mention_id)
        top = min(history.suggestions, key=lambda s: (s.rank, s.id), default=None)
        modal = discord.ui.Modal(
            title=f"Reply to mention #{mention_id}", custom_id=f"mb:{EDIT_MODAL}:{mention_id}"
        )
        modal.add_item(
            discord.ui.TextInput(
                label="Reply",
                style=discord.TextStyle.paragraph,
                custom_id="text",
                default=None if top is None else top.text[:2000],
                max_length=2000,
            )
        )
        return modal


_ON_MENTIONS = frozenset(
    {"approve", "edit", "claim", "unclaim", "remove", "timeout", "ban", "notspam", "relabel"}
)


def _form_values(data: Any) -> dict[str, str]:
    """``custom_id → value`` of a submitted form (action rows or labels around text inputs)."""
    out: dict[str, str] = {}

    def walk(components: Any) -> None:
        for c in components or []:
            if "custom_id" in c and "value" in c:
                out[str(c["custom_id"])] = str(c["value"])
            walk(c.get("components"))
            if isinstance(c.get("component"), dict):
                walk([c["component"]])

    walk(data.get("components"))
    return out
