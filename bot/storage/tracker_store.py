"""Where Rasa keeps conversations: an SQL tracker store whose events are sealed.

A conversation's events hold what the person typed and what the assistant
said back, including a report's follow-up phrase. Rasa's own SQL tracker store
keeps them as plain JSON; this one keeps Rasa's table and queries unchanged
but seals each event's data with the concern store's key (Fernet), so a copy
of the database reveals no more than a copy of the concern store does.

Conversations survive a restart of the Rasa server and are shared by several
Rasa servers on one PostgreSQL database (with Rasa's Redis lock store keeping
each conversation's turns in order). Idle conversations are deleted by
``python -m bot.staff purge`` (``bot/storage/conversations.py``).

Rasa's own store reads, decrypts and decodes every event of the conversation
on every message, and counts them again before each save, with synchronous
calls that stall every other conversation meanwhile (issue 11). This one
keeps the events of recent conversations (``RecentConversations``) and asks
the database only for rows newer than the last it has; a conversation another
Rasa server changed, or the purge removed, is caught by that same query. All
database work runs in a worker thread, off the event loop.

Configured in ``endpoints.yml`` by class path only; where the database is and
which key seals it come from the environment (``bot/settings.py``), so no
secret is written in a configuration file.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Text

import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import declarative_base

from bot.settings import DEFAULT_CONVERSATIONS_KEPT, Settings, make_sqlite_dir


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


# A conversation is a few dozen events of a few kilobytes: 500 of them is a
# few tens of MB, beside the 700 MB a Rasa process may use.
RECENT_CONVERSATIONS = DEFAULT_CONVERSATIONS_KEPT
# Kept no longer than a pause in a conversation; the purge's 24 hours idle
# are far beyond it, so a purged conversation is never held here.
RECENT_FOR_SECONDS = 15 * 60


@dataclass
class Recent:
    """The events of a conversation's latest session, as the database has them."""

    last_id: int
    # Each event as its JSON text, decrypted: decoded afresh on every read, so
    # no tracker can change what is kept here.
    events: List[str] = field(default_factory=list)
    used_at: float = 0.0


class RecentConversations:
    """The latest events of recent conversations, least recently used dropped first."""

    def __init__(
        self, *, capacity: int = RECENT_CONVERSATIONS, for_seconds: float = RECENT_FOR_SECONDS
    ) -> None:
        self.capacity = capacity
        self.for_seconds = for_seconds
        self._recent: "OrderedDict[Text, Recent]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sender_id: Text) -> Optional[Recent]:
        with self._lock:
            recent = self._recent.get(sender_id)
            if recent is None:
                return None
            if time.monotonic() - recent.used_at > self.for_seconds:
                del self._recent[sender_id]
                return None
            self._recent.move_to_end(sender_id)
            return recent

    def keep(self, sender_id: Text, recent: Recent) -> None:
        with self._lock:
            recent.used_at = time.monotonic()
            self._recent[sender_id] = recent
            self._recent.move_to_end(sender_id)
            while len(self._recent) > self.capacity:
                self._recent.popitem(last=False)

    def forget(self, sender_id: Text) -> None:
        with self._lock:
            self._recent.pop(sender_id, None)

    def __len__(self) -> int:
        return len(self._recent)


class SealedTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, on the configured database, with each event sealed.

    Rasa builds it from ``endpoints.yml`` (``type: bot.storage.tracker_store.SealedTrackerStore``)
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
        self.recent = RecentConversations(capacity=settings.conversations_kept)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Returns the latest session of a conversation, reading only what is new."""
        events = await asyncio.to_thread(self._latest_session, sender_id)
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(
            sender_id, [json.loads(event) for event in events], self.domain.slots
        )

    def _latest_session(self, sender_id: Text) -> List[str]:
        recent = self.recent.get(sender_id)
        with self.session_scope() as session:
            if recent is not None:
                rows = (
                    session.query(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.data)
                    .filter(
                        self.SQLEvent.sender_id == sender_id, self.SQLEvent.id >= recent.last_id
                    )
                    .order_by(self.SQLEvent.id)
                    .all()
                )
                # The last row still there (not purged) and no new session
                # begun: the new rows simply follow what is kept.
                if (
                    rows
                    and rows[0].id == recent.last_id
                    and all(row.type_name != SessionStarted.type_name for row in rows[1:])
                ):
                    events = recent.events + [row.data for row in rows[1:]]
                    self.recent.keep(sender_id, Recent(rows[-1].id, events))
                    return events
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows:
            self.recent.forget(sender_id)
            return []
        events = [row.data for row in rows]
        self.recent.keep(sender_id, Recent(rows[-1].id, events))
        return events

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the conversation's new events, in a worker thread."""
        await self.stream_events(tracker)
        await asyncio.to_thread(self._save_new_events, tracker)

    def _save_new_events(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            session.add_all(
                self.SQLEvent(**columns)
                for columns in event_columns(tracker, self._additional_events(session, tracker))
            )
            session.commit()

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Returns the tracker's events the database does not have yet.

        Rasa counts the stored events with the same query as a full read. When
        this server read the conversation last and nobody has written since
        (its newest row is the one kept), the count is what is kept.
        """
        recent = self.recent.get(tracker.sender_id)
        if recent is not None:
            newest = (
                session.query(sa.func.max(self.SQLEvent.id))
                .filter(self.SQLEvent.sender_id == tracker.sender_id)
                .scalar()
            )
            if newest == recent.last_id:
                return itertools.islice(tracker.events, len(recent.events), None)
        return super()._additional_events(session, tracker)


def event_columns(tracker: DialogueStateTracker, events: Iterator) -> Iterator[Dict[str, Any]]:
    """Returns the columns of Rasa's events table for each event, as Rasa fills them."""
    for event in events:
        data = event.as_dict()
        yield {
            "sender_id": tracker.sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
