"""Signing in to the console with two factors, and the sessions that follow.

Signing in needs the password (argon2id) and the authenticator's current code
(TOTP). Five wrong tries in a row lock the account for 15 minutes. A session
ends when the officer signs out, after 15 minutes without a request, or after
a shift. Every sign-in, refusal, lock and end is audited.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

import pyotp
import sqlalchemy as sa

from bot.storage.concerns.officers import HASHER, account_row, update_account, verify
from bot.storage.concerns.records import ConcernStoreError, Records
from bot.storage.concerns.schema import console_accounts, console_sessions

# Five tries: enough for a slip or two of the fingers, far too few to guess
# a password; 15 minutes, as the console's specification asks.
TRIES_ALLOWED = 5
LOCKED_FOR = dt.timedelta(minutes=15)
# Signed out after 15 minutes without a request: a console left open on a
# shared desk should not stay open to whoever sits down next.
IDLE_LIMIT = dt.timedelta(minutes=15)
# However busy, a session lasts no longer than a long shift.
SESSION_LIMIT = dt.timedelta(hours=12)


class SignInRefused(ConcernStoreError):
    """The name, password or code is wrong, or the account is locked or disabled.

    One error for all, so the sign-in page cannot tell anyone which.
    """


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


@functools.lru_cache(maxsize=1)
def unknown_name_hash() -> str:
    """Returns a hash to check for an unknown name: as slow as a wrong password."""
    return HASHER.hash(secrets.token_urlsafe(16))


class ConsoleSessions:
    """Signing in and out, and live sessions. Each writes its audit row in its transaction."""

    def __init__(self, records: Records, *, wall_clock=time.time) -> None:
        self.records = records
        # The authenticator counts real time; the store's clock may be a test's.
        self.wall_clock = wall_clock

    def sign_in(self, name: str, password: str, code: str) -> str:
        """Returns a new session's token if the name, password and code are right.

        Raises SignInRefused otherwise. Each wrong try counts towards the lock,
        whichever factor was wrong, and is audited. The password is checked
        outside any transaction: argon2 takes a while by design, and the
        database should not wait on it.
        """
        now = self.records.clock()
        with self.records.transaction() as connection:
            row = account_row(connection, name[:100])
        refusal, token = None, None
        if row is None:
            verify(unknown_name_hash(), password)
            refusal = "no such account"
        elif row.disabled_at is not None:
            refusal = "account disabled"
        elif row.locked_until and row.locked_until > now:
            refusal = "account locked"
        step = None
        if refusal is None and verify(row.password_hash, password):
            step = self._code_step(row, code)
        with self.records.transaction() as connection:
            if refusal is not None:
                actor = row.name if row is not None else "unknown account"
                self.records.audit(connection, actor, "sign_in_refused", None, refusal)
            elif step is None:
                self._wrong_try(connection, row.name, now)
            else:
                token = self._start_session(connection, row, password, step, now)
        if token is None:
            raise SignInRefused()
        return token

    def _start_session(
        self,
        connection: sa.engine.Connection,
        row: sa.engine.Row,
        password: str,
        step: int,
        now: dt.datetime,
    ) -> Optional[str]:
        changes: Dict[str, Any] = {"failed_tries": 0, "locked_until": None, "last_totp_step": step}
        if HASHER.check_needs_rehash(row.password_hash):
            changes["password_hash"] = HASHER.hash(password)
        # The step is checked again here: two sign-ins with one code at the
        # same moment must not both succeed.
        used = connection.execute(
            console_accounts.update()
            .where(console_accounts.c.name == row.name)
            .where(console_accounts.c.last_totp_step < step)
            .values(**changes)
        ).rowcount
        if not used:
            self.records.audit(connection, row.name, "sign_in_refused", None, "code used already")
            return None
        token = secrets.token_urlsafe(32)
        connection.execute(
            console_sessions.insert().values(
                token_hash=hash_session(token),
                account=row.name,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen=now,
            )
        )
        self.records.audit(connection, row.name, "sign_in", None, "password and authenticator")
        return token

    def _code_step(self, row: sa.engine.Row, code: str) -> Optional[int]:
        """Returns the 30-second step the code belongs to, if right and not used before.

        One step either side is accepted, for a phone clock a little out.
        """
        code = "".join(code.split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(self.records.unseal(row.totp_sealed, row.name)["totp"])
        now = self.wall_clock()
        for offset in (0, -1, 1):
            step = totp.timecode(dt.datetime.fromtimestamp(now, dt.timezone.utc)) + offset
            if step > row.last_totp_step and hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    def _wrong_try(self, connection: sa.engine.Connection, name: str, now: dt.datetime) -> None:
        # Counted in the database, so two wrong tries at once both count.
        connection.execute(
            console_accounts.update()
            .where(console_accounts.c.name == name)
            .values(failed_tries=console_accounts.c.failed_tries + 1)
        )
        tries = connection.execute(
            sa.select(console_accounts.c.failed_tries).where(console_accounts.c.name == name)
        ).scalar()
        reason = f"wrong password or code ({tries} in a row)"
        self.records.audit(connection, name, "sign_in_refused", None, reason)
        if tries >= TRIES_ALLOWED:
            update_account(connection, name, {"failed_tries": 0, "locked_until": now + LOCKED_FOR})
            minutes = int(LOCKED_FOR.total_seconds() // 60)
            reason = f"{tries} wrong tries in a row: locked for {minutes} minutes"
            self.records.audit(connection, name, "account_locked", None, reason)

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
            return connection.execute(
                console_sessions.delete().where(
                    sa.or_(
                        console_sessions.c.last_seen < now - idle_limit,
                        console_sessions.c.created_at < now - SESSION_LIMIT,
                    )
                )
            ).rowcount

    def _end(
        self, connection: sa.engine.Connection, token_hash: str, account: str, reason: str
    ) -> None:
        connection.execute(
            console_sessions.delete().where(console_sessions.c.token_hash == token_hash)
        )
        self.records.audit(connection, account, "sign_out", None, reason)
