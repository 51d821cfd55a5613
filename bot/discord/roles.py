"""Who may do what: Discord roles → mentionbot roles, and the actor names we record."""

from __future__ import annotations

from typing import Any

import discord

from bot.decisions import Actor
from bot.discord.settings import DiscordRoles
from models.domain import Role

_RANK = {Role.AGENT: 0, Role.MODERATOR: 1, Role.ADMIN: 2}


def actor_name(user: discord.abc.User | discord.Object) -> str:
    """The stable name a Discord user acts under (claims compare it): ``discord:<id>``."""
    return f"discord:{user.id}"


def role_of(user: Any, roles: DiscordRoles) -> Role | None:
    """The highest mentionbot role the member's Discord roles grant, None for none (or a user
    outside a guild, e.g. in a DM)."""
    if not isinstance(user, discord.Member):
        return None
    have = {r.id for r in user.roles}
    for role, ids in ((Role.ADMIN, roles.admin), (Role.MODERATOR, roles.moderator)):
        if have & set(ids):
            return role
    return Role.AGENT if have & set(roles.agent) else None


def actor_of(user: Any, roles: DiscordRoles) -> Actor | None:
    role = role_of(user, roles)
    return None if role is None else Actor(actor_name(user), role)


def at_least(actor: Actor | None, role: Role) -> bool:
    return actor is not None and _RANK[actor.role] >= _RANK[role]
