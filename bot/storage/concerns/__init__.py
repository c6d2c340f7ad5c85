"""The concern store: confidential concern submissions, encrypted at rest, with an audit trail.

Shared by the action server (which stores a submission and follows it up) and
the staff tools (which read, export, erase, purge and rotate the key). One part
per job, all working through one ``Records`` (one transaction helper, one
sealing helper, one audit row in the same transaction as its work):

- ``submissions``: the public side, submit and follow up by reference and phrase;
- ``review``: the concern team's reading, review, export, erasure and retention;
- ``accounts``: the staff API's tokens;
- ``officers``: the console's named accounts;
- ``credentials``: signing in to the console with two factors, changing a password;
- ``sessions``: the console's sessions;
- ``triage``: the console's list and an officer's decision on each concern;
- ``audit``: refusals, conversation purges, and the trail itself;
- ``rotate_key`` (here): everything re-sealed with the current key.

``references`` says what a reference and a follow-up phrase look like;
``schema`` holds the tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Dict, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.concerns.accounts import StaffAccounts
from bot.storage.concerns.audit import AuditTrail
from bot.storage.concerns.credentials import ConsoleCredentials
from bot.storage.concerns.officers import ConsoleOfficers
from bot.storage.concerns.records import (
    ConcernStoreError,
    ConcernStoreUnavailable,
    FollowUpRefused,
    Records,
    UnknownReference,
    keyring,
    load_or_create_key,
    utcnow,
)
from bot.storage.concerns.references import find_reference, normalise_phrase
from bot.storage.concerns.review import Review
from bot.storage.concerns.schema import (
    add_missing_columns,
    additions,
    concerns,
    console_accounts,
    metadata,
)
from bot.storage.concerns.sessions import ConsoleSessions
from bot.storage.concerns.submissions import Receipt, Submissions
from bot.storage.concerns.triage import Triage

__all__ = [
    "ConcernStore",
    "ConcernStoreError",
    "ConcernStoreUnavailable",
    "FollowUpRefused",
    "Receipt",
    "UnknownReference",
    "find_reference",
    "load_or_create_key",
    "normalise_phrase",
]

# A callback that re-seals the conversations with the store's keys and says how
# many events it re-sealed (bot/storage/conversations.py: reseal_conversations).
ConversationResealer = Callable[[], int]


class ConcernStore:
    """The concern database, its keys, and one part per job.

    Args:
        engine: any SQLAlchemy engine (SQLite by default, PostgreSQL in production).
        key: the Fernet key that seals new content.
        old_keys: earlier keys, still accepted for reading until ``rotate_key``
            has re-sealed everything with ``key``.
        clock: returns "now"; replaced in tests of retention.
    """

    def __init__(
        self,
        engine: Engine,
        key: bytes,
        *,
        old_keys: Sequence[bytes] = (),
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.records = Records(engine, keyring(key, old_keys), clock)
        self.submissions = Submissions(self.records)
        self.review = Review(self.records)
        self.accounts = StaffAccounts(self.records)
        self.audit = AuditTrail(self.records)
        self.officers = ConsoleOfficers(self.records)
        self.sessions = ConsoleSessions(self.records)
        self.credentials = ConsoleCredentials(self.records, self.sessions)
        self.triage = Triage(self.records)

    @property
    def engine(self) -> Engine:
        return self.records.engine

    def create_schema(self) -> None:
        """Creates the tables if they do not exist yet."""
        try:
            metadata.create_all(self.records.engine)
            add_missing_columns(self.records.engine)
        except SQLAlchemyError as error:
            raise ConcernStoreUnavailable("the concern database cannot be set up") from error

    def rotate_key(
        self, *, actor: str, conversations: Optional[ConversationResealer] = None
    ) -> Dict[str, int]:
        """Re-seals every submission, addition, triage note, authenticator secret and conversation.

        The conversations are done first, in their own database's transaction:
        if they fail, nothing here is changed and the old key is still needed.
        Returns how many rows of each were re-sealed; one audit row says so too.
        """
        events = conversations() if conversations is not None else 0
        with self.records.transaction() as connection:
            count = 0
            # Every sealed column: reports, additions, triage notes, authenticators.
            for column in (
                concerns.c.sealed,
                concerns.c.triage_sealed,
                additions.c.sealed,
                console_accounts.c.totp_sealed,
            ):
                table = column.table
                rows = connection.execute(sa.select(table.c.id, column).where(column.is_not(None)))
                for row in list(rows):
                    connection.execute(
                        table.update()
                        .where(table.c.id == row.id)
                        .values({column.name: self.records.reseal(row[1])})
                    )
                    count += 1
            reason = f"{count} rows and {events} conversation events re-sealed"
            self.records.audit(connection, actor, "rotate_key", None, reason)
        return {"re_sealed": count, "conversation_events_re_sealed": events}
