"""The store package: :class:`Store` is the only place in mentionbot that talks SQL."""

from models.store.core import Store

__all__ = ["Store"]
