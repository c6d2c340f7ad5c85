"""How long conversations are kept: idle ones are deleted by the purge command.

Rasa's tracker store (``bot/tracker_store.py``) keeps every event of every
conversation, and events hold what people typed. ``python -m bot.concerns
purge`` calls this beside the submissions' retention, so one scheduled command
enforces both. It works on Rasa's table alone, without Rasa, so the command
stays quick.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.settings import Settings


def open_conversations(settings: Settings) -> sa.engine.Engine:
    """Returns an engine on the database where Rasa keeps conversations."""
    return sa.create_engine(settings.conversations_url)


def purge_idle_conversations(engine: sa.engine.Engine, *, idle_hours: float) -> int:
    """Deletes every conversation with no event for ``idle_hours``; returns how many.

    A conversation that is still going is never touched: only its newest
    event counts.
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
        for start in range(0, len(senders), 500):
            connection.execute(
                events.delete().where(events.c.sender_id.in_(senders[start : start + 500]))
            )
    return len(senders)
