"""Where Rasa keeps conversations: an SQL tracker store whose events are sealed.

A conversation's events hold what the person typed and what the assistant
said back, including a report's follow-up phrase. Rasa's own SQL tracker store
keeps them as plain JSON; this one keeps Rasa's table and queries unchanged
but seals each event's data with the concern store's key (Fernet), so a copy
of the database reveals no more than a copy of the concern store does.

Conversations survive a restart of the Rasa server and are shared by several
Rasa servers on one PostgreSQL database (with Rasa's Redis lock store keeping
each conversation's turns in order). Idle conversations are deleted by
``python -m bot.concerns purge`` (``bot/conversation_retention.py``).

Configured in ``endpoints.yml`` by class path only; where the database is and
which key seals it come from the environment (``bot/settings.py``), so no
secret is written in a configuration file.
"""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.orm import declarative_base

from bot.settings import Settings, make_sqlite_dir


class SealedText(sa.types.TypeDecorator):
    """A text column whose values are encrypted on the way in, decrypted on the way out."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, cipher: MultiFernet) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: Optional[str], dialect: Any) -> Optional[str]:
        if value is None:
            return None
        return self.cipher.encrypt(value.encode()).decode("ascii")

    def process_result_value(self, value: Optional[str], dialect: Any) -> Optional[str]:
        if value is None:
            return None
        try:
            return self.cipher.decrypt(value.encode("ascii")).decode()
        except InvalidToken as error:
            # Never fall back to reading the value as plain text: a row that
            # cannot be opened is an error to see, not a conversation to guess.
            raise RuntimeError(
                "A conversation event cannot be decrypted with these keys "
                "(was an old key dropped from CONCERNS_OLD_KEYS?)"
            ) from error


def events_table_model(cipher: MultiFernet) -> tuple:
    """Returns a declarative base and an event model like Rasa's, with sealed data.

    The table, its name and its columns are Rasa's, so Rasa's own queries run on
    it unchanged; only the ``data`` column's values are sealed.
    """
    base = declarative_base()

    class SealedEvent(base):
        __tablename__ = "events"

        id = sa.Column(sa.Integer, sa.Sequence("events_seq"), primary_key=True)
        sender_id = sa.Column(sa.String(255), nullable=False, index=True)
        type_name = sa.Column(sa.String(255), nullable=False)
        timestamp = sa.Column(sa.Float)
        intent_name = sa.Column(sa.String(255))
        action_name = sa.Column(sa.String(255))
        data = sa.Column(SealedText(cipher))

    return base, SealedEvent


class SealedTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, on the configured database, with each event sealed.

    Rasa builds it from ``endpoints.yml`` (``type: bot.tracker_store.SealedTrackerStore``)
    and passes the endpoint's other keys, which are not used: the settings come
    from the environment.
    """

    def __init__(self, domain: Any = None, host: Any = None, event_broker: Any = None, **_: Any):
        settings = Settings.from_env()
        # Instance attributes shadow Rasa's class-level model, so its queries
        # and its `create_all` use the sealed one.
        self.Base, self.SQLEvent = events_table_model(settings.cipher())
        make_sqlite_dir(settings.conversations_url)
        # A URL in `host` is taken whole by Rasa (SQLTrackerStore.get_db_url).
        super().__init__(domain=domain, host=settings.conversations_url, event_broker=event_broker)
