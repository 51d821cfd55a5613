"""Roles from settings: Slack user ids and user-group ids per role (the highest wins).

Group memberships come from ``usergroups.users.list`` (scope ``usergroups:read``) and are cached
for ``roles.cache_s``; when Slack cannot be asked, the last known membership is used.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable

from bot.slack.settings import SlackRoles
from models.domain import Role

log = logging.getLogger(__name__)

ACTOR_PREFIX = "slack:"
_ACTOR = re.compile(r"^slack:([UW][A-Z0-9]{2,30})$")

GroupMembers = Callable[[str], Awaitable[list[str]]]
"""Asks Slack for the members of a user group."""


def actor_name(user_id: str) -> str:
    """How a Slack user is named in decisions, claims and the audit log."""
    return ACTOR_PREFIX + user_id


def slack_user(actor: str | None) -> str | None:
    """The Slack user id behind an actor name, if it is one of ours."""
    if actor is None:
        return None
    match = _ACTOR.match(actor)
    return None if match is None else match.group(1)


class RoleResolver:
    def __init__(self, roles: SlackRoles, members: GroupMembers) -> None:
        self._roles = roles
        self._members = members
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = asyncio.Lock()

    async def role_of(self, user_id: str) -> Role | None:
        r = self._roles
        for role, users, groups in (
            (Role.ADMIN, r.admin_users, r.admin_groups),
            (Role.MODERATOR, r.moderator_users, r.moderator_groups),
            (Role.AGENT, r.agent_users, r.agent_groups),
        ):
            if user_id in users:
                return role
            for group in groups:
                if user_id in await self._group(group):
                    return role
        return Role.AGENT if r.everyone_is_agent else None

    async def _group(self, group: str) -> frozenset[str]:
        async with self._lock:
            cached = self._cache.get(group)
            if cached is not None and time.monotonic() - cached[0] < self._roles.cache_s:
                return cached[1]
            try:
                members = frozenset(await self._members(group))
            except Exception as exc:  # Slack unreachable: keep what we knew, else nobody
                log.warning("cannot read user group %s: %s", group, exc)
                return cached[1] if cached is not None else frozenset()
            self._cache[group] = (time.monotonic(), members)
            return members
