"""Chat cards: where each mention was relayed, one card per (mention, adapter)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from models.domain import CardRef
from models.errors import NotFound
from models.store import rows
from models.store.base import StoreBase
from models.tables import ChatCard, Mention


class CardsMixin(StoreBase):
    """Record and look up the chat messages that show mentions."""

    async def upsert_card(
        self, mention_id: int, adapter: str, channel: str, message_ref: str
    ) -> CardRef:
        """Record where a mention's card was posted; a second post for the adapter updates it."""
        now = self._now()
        insert = self._upsert(ChatCard).values(
            mention_id=mention_id,
            adapter=adapter,
            channel=channel,
            message_ref=message_ref,
            posted_at=now,
            updated_at=now,
        )
        stmt = insert.on_conflict_do_update(
            index_elements=["mention_id", "adapter"],
            set_={"channel": channel, "message_ref": message_ref, "updated_at": now},
        ).returning(*ChatCard.__table__.c)
        async with self._write() as conn:
            await self._require_mentions(conn, [mention_id])
            return rows.to_card((await conn.execute(stmt)).one())

    async def get_card(self, mention_id: int, adapter: str) -> CardRef | None:
        """The mention's card in ``adapter``, or None if it was never posted there."""
        query = select(ChatCard).where(
            ChatCard.mention_id == mention_id, ChatCard.adapter == adapter
        )
        async with self._read() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else rows.to_card(row)

    async def find_card(self, adapter: str, channel: str, message_ref: str) -> CardRef | None:
        """The card posted as ``message_ref`` in ``channel`` (to map a chat event to a mention)."""
        query = select(ChatCard).where(
            ChatCard.adapter == adapter,
            ChatCard.channel == channel,
            ChatCard.message_ref == message_ref,
        )
        async with self._read() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else rows.to_card(row)

    async def thread_root_card(
        self, mention_id: int, adapter: str, since: datetime
    ) -> CardRef | None:
        """The card a follow-up belongs under: the earliest card in ``adapter``, posted at or
        after ``since``, of an older mention from the same source by the same author or with
        the same ``thread_key``. None if the mention starts a new conversation."""
        async with self._read() as conn:
            me = (
                await conn.execute(
                    select(Mention.source, Mention.author_id, Mention.thread_key).where(
                        Mention.id == mention_id
                    )
                )
            ).one_or_none()
            if me is None:
                raise NotFound(f"no mention with id {mention_id}")
            same_conversation = Mention.author_id == me.author_id
            if me.thread_key is not None:
                same_conversation = or_(same_conversation, Mention.thread_key == me.thread_key)
            query = (
                select(ChatCard)
                .join(Mention, Mention.id == ChatCard.mention_id)
                .where(
                    and_(
                        ChatCard.adapter == adapter,
                        ChatCard.posted_at >= since,
                        Mention.id < mention_id,
                        Mention.source == me.source,
                        same_conversation,
                    )
                )
                .order_by(ChatCard.posted_at, ChatCard.id)
                .limit(1)
            )
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else rows.to_card(row)
