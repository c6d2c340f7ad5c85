"""Checking a console officer's credentials: signing in with two factors, changing a password.

Signing in needs the password (argon2id) and the authenticator's current code
(TOTP), each code accepted once. Five wrong tries in a row, at signing in or
at changing the password, lock the account for 15 minutes. Every try,
refusal and lock is audited; a right one opens a session (``sessions``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
import time
from typing import Any, Dict, Optional

import pyotp
import sqlalchemy as sa

from bot.storage.concerns.officers import (
    HASHER,
    AccountProblem,
    account_row,
    password_problem,
    update_account,
    verify,
)
from bot.storage.concerns.records import ConcernStoreError, Records
from bot.storage.concerns.schema import console_accounts, console_sessions
from bot.storage.concerns.sessions import ConsoleSessions, hash_session

# Five tries: enough for a slip or two of the fingers, far too few to guess
# a password; 15 minutes, as the console's specification asks.
TRIES_ALLOWED = 5
LOCKED_FOR = dt.timedelta(minutes=15)


class SignInRefused(ConcernStoreError):
    """The name, password or code is wrong, or the account is locked or disabled.

    One error for all, so the sign-in page cannot tell anyone which.
    """


@functools.lru_cache(maxsize=1)
def unknown_name_hash() -> str:
    """Returns a hash to check for an unknown name: as slow as a wrong password."""
    return HASHER.hash(secrets.token_urlsafe(16))


def refusal_for(row: Optional[sa.engine.Row], now: dt.datetime) -> Optional[str]:
    """Returns why an account may not sign in now, or None if it may try."""
    if row is None:
        return "no such account"
    if row.disabled_at is not None:
        return "account disabled"
    if row.locked_until and row.locked_until > now:
        return "account locked"
    return None


def count_try(connection: sa.engine.Connection, name: str, now: dt.datetime) -> Optional[int]:
    """Counts one more try in a row, if the account may try now; returns the count, else None.

    Whether it may try (not disabled, not locked) is decided in the statement
    that counts. Checked apart, a try could pass the check, wait while another
    try locked the account (which starts the count again), and then be
    counted as the first of a new row: a sixth check.
    """
    counted = connection.execute(
        console_accounts.update()
        .where(console_accounts.c.name == name)
        .where(console_accounts.c.disabled_at.is_(None))
        .where(
            sa.or_(
                console_accounts.c.locked_until.is_(None),
                console_accounts.c.locked_until <= now,
            )
        )
        .values(failed_tries=console_accounts.c.failed_tries + 1)
    ).rowcount
    if not counted:
        return None
    return connection.execute(
        sa.select(console_accounts.c.failed_tries).where(console_accounts.c.name == name)
    ).scalar()


class ConsoleCredentials:
    """Signing in and changing passwords. Each writes its audit rows in its transaction."""

    def __init__(
        self, records: Records, sessions: ConsoleSessions, *, wall_clock=time.time
    ) -> None:
        self.records = records
        self.sessions = sessions
        # The authenticator counts real time; the store's clock may be a test's.
        self.wall_clock = wall_clock

    def sign_in(self, name: str, password: str, code: str) -> str:
        """Returns a new session's token if the name, password and code are right.

        Raises SignInRefused otherwise. Each try counts towards the lock before
        anything is checked, whichever factor turns out wrong, so tries sent at
        the same moment cannot all be checked before the lock; a right one
        clears the count. Every refusal does the same argon2 work, so none
        comes back sooner than a wrong password would. The password is checked
        outside any transaction: argon2 is slow by design, and the database
        should not wait on it.
        """
        now = self.records.clock()
        with self.records.transaction() as connection:
            row = account_row(connection, name[:100])
            tries = count_try(connection, row.name, now) if row is not None else None
            if tries is None:
                # Read again: a lock may have been set since the first read.
                again = account_row(connection, row.name) if row is not None else None
                refusal = refusal_for(again, now) or "account locked"
            else:
                refusal = "account locked" if tries > TRIES_ALLOWED else None
        right = verify(row.password_hash if refusal is None else unknown_name_hash(), password)
        step = self._code_step(row, code) if right and refusal is None else None
        token = None
        with self.records.transaction() as connection:
            if refusal is not None:
                actor = row.name if row is not None else "unknown account"
                self.records.audit(connection, actor, "sign_in_refused", None, refusal)
            elif step is None:
                self._wrong_try(connection, row.name, tries, now, "wrong password or code")
            else:
                token = self._start_session(connection, row, password, step, now)
        if token is None:
            raise SignInRefused()
        return token

    def change_password(self, token: str, current: str, new: str) -> str:
        """Sets a signed-in officer's own password; returns their new session's token.

        Every session of the account ends, this one included (a new one
        replaces it), so whoever else may have had the old password is signed
        out. A wrong current password counts towards the lock like a wrong
        sign-in, and is audited: an unattended console is no way to guess it.
        """
        problem = password_problem(new)
        if problem:
            raise AccountProblem(problem)
        now = self.records.clock()
        with self.records.transaction() as connection:
            row = connection.execute(
                sa.select(console_accounts)
                .join(console_sessions, console_sessions.c.account == console_accounts.c.name)
                .where(console_sessions.c.token_hash == hash_session(token))
            ).first()
            tries = count_try(connection, row.name, now) if row is not None else None
            if tries is None:
                raise AccountProblem("Please sign in again.")
        right = verify(row.password_hash, current) and tries <= TRIES_ALLOWED
        with self.records.transaction() as connection:
            if not right:
                self._wrong_try(connection, row.name, tries, now, "wrong current password")
            elif not hmac.compare_digest(current, new):
                update_account(
                    connection,
                    row.name,
                    {
                        "password_hash": HASHER.hash(new),
                        "password_change_required": False,
                        "failed_tries": 0,
                    },
                )
                connection.execute(
                    console_sessions.delete().where(console_sessions.c.account == row.name)
                )
                self.records.audit(connection, row.name, "change_password", None, "by the officer")
                return self.sessions.open(connection, row.name, now)
        if not right:
            raise AccountProblem("The current password is not right.")
        raise AccountProblem("Choose a password other than the one you were given.")

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
        # ... and the lock: one may have been set while this try was checked.
        used = connection.execute(
            console_accounts.update()
            .where(console_accounts.c.name == row.name)
            .where(console_accounts.c.last_totp_step < step)
            .where(
                sa.or_(
                    console_accounts.c.locked_until.is_(None),
                    console_accounts.c.locked_until <= now,
                )
            )
            .values(**changes)
        ).rowcount
        if not used:
            reason = "code used already, or locked meanwhile"
            self.records.audit(connection, row.name, "sign_in_refused", None, reason)
            return None
        self.records.audit(connection, row.name, "sign_in", None, "password and authenticator")
        return self.sessions.open(connection, row.name, now)

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

    def _wrong_try(
        self, connection: sa.engine.Connection, name: str, tries: int, now: dt.datetime, what: str
    ) -> None:
        """Audits a wrong try (already counted); the fifth in a row locks the account."""
        self.records.audit(connection, name, "sign_in_refused", None, f"{what} ({tries} in a row)")
        if tries >= TRIES_ALLOWED:
            update_account(connection, name, {"failed_tries": 0, "locked_until": now + LOCKED_FOR})
            minutes = int(LOCKED_FOR.total_seconds() // 60)
            reason = f"{tries} wrong tries in a row: locked for {minutes} minutes"
            self.records.audit(connection, name, "account_locked", None, reason)
