"""The console's sessions: opened by a right sign-in, kept alive by use, ended.

A session ends when the officer signs out, after 15 minutes without a
request, after a shift, or when the account is disabled or its password
changed. Only a hash of the cookie's value is stored. Every end is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa

from bot.storage.concerns.records import Records
from bot.storage.concerns.schema import console_accounts, console_sessions

# Signed out after 15 minutes without a request: a console left open on a
# shared desk should not stay open to whoever sits down next.
IDLE_LIMIT = dt.timedelta(minutes=15)
# However busy, a session lasts no longer than a long shift.
SESSION_LIMIT = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Officer:
    """Who a console session belongs to."""

    name: str
    role: str
    csrf_token: str
    password_change_required: bool

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def hash_session(token: str) -> str:
    """Returns the SHA-256 of a session cookie's value, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class ConsoleSessions:
    """Live sessions. Each change writes its audit row in its transaction."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def open(self, connection: sa.engine.Connection, name: str, now: dt.datetime) -> str:
        """Opens a session for the account on the connection; returns its token (the cookie)."""
        token = secrets.token_urlsafe(32)
        connection.execute(
            console_sessions.insert().values(
                token_hash=hash_session(token),
                account=name,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen=now,
            )
        )
        return token

    def session(self, token: str, *, idle_limit: dt.timedelta = IDLE_LIMIT) -> Optional[Officer]:
        """Returns who a live session belongs to, and keeps it alive; None if it has ended.

        A session idle for longer than ``idle_limit`` (or older than a shift)
        ends here, and the ending is audited.
        """
        now = self.records.clock()
        with self.records.transaction() as connection:
            row = connection.execute(
                sa.select(console_sessions, console_accounts)
                .join(console_accounts, console_accounts.c.name == console_sessions.c.account)
                .where(console_sessions.c.token_hash == hash_session(token))
            ).first()
            if row is None:
                return None
            ended = (
                now - row.last_seen > idle_limit
                or now - row.created_at > SESSION_LIMIT
                or row.disabled_at is not None
            )
            if ended:
                self._end(connection, row.token_hash, row.account, "signed out: idle or too long")
                return None
            connection.execute(
                console_sessions.update()
                .where(console_sessions.c.token_hash == row.token_hash)
                .values(last_seen=now)
            )
            return Officer(row.account, row.role, row.csrf_token, row.password_change_required)

    def sign_out(self, token: str) -> None:
        """Ends a session (if it is live) and audits it."""
        with self.records.transaction() as connection:
            account = connection.execute(
                sa.select(console_sessions.c.account).where(
                    console_sessions.c.token_hash == hash_session(token)
                )
            ).scalar()
            if account:
                self._end(connection, hash_session(token), account, "signed out by the officer")

    def forget_ended(self, *, idle_limit: dt.timedelta = IDLE_LIMIT) -> int:
        """Deletes sessions nobody came back to (idle, or past a shift); returns how many.

        A session ends when it is next used; one never used again would stay
        in the table without this, which the daily purge runs.
        """
        now = self.records.clock()
        with self.records.transaction() as connection:
            ended = connection.execute(
                console_sessions.delete().where(
                    sa.or_(
                        console_sessions.c.last_seen < now - idle_limit,
                        console_sessions.c.created_at < now - SESSION_LIMIT,
                    )
                )
            ).rowcount
            reason = f"retention: {ended} console sessions idle or past a shift"
            self.records.audit(connection, "purge", "purge-sessions", None, reason)
        return ended

    def _end(
        self, connection: sa.engine.Connection, token_hash: str, account: str, reason: str
    ) -> None:
        connection.execute(
            console_sessions.delete().where(console_sessions.c.token_hash == token_hash)
        )
        self.records.audit(connection, account, "sign_out", None, reason)
