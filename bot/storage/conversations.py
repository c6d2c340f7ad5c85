"""The conversations Rasa keeps, outside Rasa: idle ones purged, all re-sealed on key rotation.

Rasa's tracker store (``bot/storage/tracker_store.py``) keeps every event of every
conversation, and events hold what people typed. ``python -m bot.staff
purge`` calls this beside the submissions' retention, so one scheduled command
enforces both. It works on Rasa's table alone, without Rasa, so the command
stays quick.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, List, Optional

import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet

from bot.settings import Settings
from bot.storage.concerns import ConcernStoreError


class ConversationsUnreadable(ConcernStoreError):
    """A conversation event cannot be opened with the keys given."""


def open_conversations(settings: Settings) -> sa.engine.Engine:
    """Returns an engine on the database where Rasa keeps conversations."""
    return sa.create_engine(settings.conversations_url)


def purge_idle_conversations(
    engine: sa.engine.Engine,
    *,
    idle_hours: float,
    before_delete: Optional[Callable[[Any, List[str]], Any]] = None,
) -> int:
    """Deletes every conversation with no event for ``idle_hours``; returns how many.

    A conversation that is still going is never touched: only its newest
    event counts. ``before_delete`` is given the transaction and the
    conversations about to go (the insight counts fold them in,
    ``bot/insight/daily.py``); if it fails, nothing is deleted.
    """
    if not sa.inspect(engine).has_table("events"):
        return 0  # Rasa has not run on this database yet.
    events = sa.Table("events", sa.MetaData(), autoload_with=engine)
    cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=idle_hours)).timestamp()
    idle = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    )
    with engine.begin() as connection:
        senders = [row.sender_id for row in connection.execute(idle)]
        if before_delete is not None:
            before_delete(connection, senders)
        for start in range(0, len(senders), 500):
            connection.execute(
                events.delete().where(events.c.sender_id.in_(senders[start : start + 500]))
            )
    return len(senders)


def reseal_conversations(engine: sa.engine.Engine, cipher: MultiFernet) -> int:
    """Re-seals every conversation event with the cipher's current key; returns how many.

    Part of rotating the key (``python -m bot.staff rotate-key``): once this
    has run, the old key can be dropped and every conversation still opens.
    One transaction, so a failure leaves every event as it was.
    """
    if not sa.inspect(engine).has_table("events"):
        return 0
    events = sa.Table("events", sa.MetaData(), autoload_with=engine)
    count = 0
    with engine.begin() as connection:
        rows = connection.execute(
            sa.select(events.c.id, events.c.data).where(events.c.data.is_not(None))
        )
        for row in list(rows):
            try:
                resealed = cipher.rotate(row.data.encode("ascii")).decode("ascii")
            except InvalidToken as error:
                raise ConversationsUnreadable(
                    "a conversation event cannot be decrypted with these keys"
                ) from error
            connection.execute(events.update().where(events.c.id == row.id).values(data=resealed))
            count += 1
    return count
