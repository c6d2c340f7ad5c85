"""The console's named officers: their accounts, made, unlocked, disabled, and passwords.

A supervisor creates an account (``python -m bot.staff add-account``, or the
console's accounts page): the officer gets a one-time password, which they must
change at first sign-in, and an authenticator secret, both shown once. Signing
in with them is ``sessions``'. Every change is audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.storage.concerns.records import ConcernStoreError, Records
from bot.storage.concerns.schema import ROLES, console_accounts, console_sessions

# Long enough to be hard to guess or overhear, short enough to type once.
SHORTEST_PASSWORD = 12
# Letters and digits that cannot be mistaken for one another when read aloud
# or copied by hand: a one-time password is often passed on that way.
PLAIN_CHARACTERS = "abcdefghjkmnpqrstuvwxyz23456789"
ISSUER = "Welfare concerns console"
# Account names appear in pages, addresses and the audit log: plain ones only.
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9._@-]{1,100}")
# argon2id with argon2-cffi's defaults (RFC 9106's second recommendation).
HASHER = PasswordHasher()


class AccountProblem(ConcernStoreError):
    """An account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class NewAccount:
    """What a supervisor is shown, once, when an account is made."""

    name: str
    role: str
    password: str
    totp_secret: str

    @property
    def totp_uri(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.name, issuer_name=ISSUER)


def password_problem(password: str) -> Optional[str]:
    """Returns why a password chosen by an officer will not do, or None."""
    if len(password) < SHORTEST_PASSWORD:
        return f"Choose a password of at least {SHORTEST_PASSWORD} characters."
    if len(password) > 200:
        return "Choose a password of at most 200 characters."
    return None


def one_time_password() -> str:
    """Returns a password for a new account, in groups of four: read out, typed once."""
    characters = "".join(secrets.choice(PLAIN_CHARACTERS) for _ in range(16))
    return "-".join(characters[i : i + 4] for i in range(0, 16, 4))


class ConsoleOfficers:
    """Console accounts. Each change writes its audit row in its transaction."""

    def __init__(self, records: Records) -> None:
        self.records = records

    # Accounts ------------------------------------------------------------

    def create(self, name: str, role: str, *, actor: str, reason: str) -> NewAccount:
        """Creates an account; returns its one-time password and authenticator secret."""
        name = name.strip()
        if role not in ROLES:
            raise AccountProblem(f"The role must be one of: {', '.join(ROLES)}.")
        if not ACCOUNT_NAME.fullmatch(name):
            raise AccountProblem(
                "The name must be 1 to 100 letters, digits, dots, hyphens, underscores or @."
            )
        account = NewAccount(name, role, one_time_password(), pyotp.random_base32())
        with self.records.transaction() as connection:
            taken = connection.execute(
                sa.select(console_accounts.c.id).where(console_accounts.c.name == name)
            ).first()
            if taken:
                raise AccountProblem("An account with that name exists already.")
            connection.execute(
                console_accounts.insert().values(
                    name=name,
                    role=role,
                    password_hash=HASHER.hash(account.password),
                    password_change_required=True,
                    totp_sealed=self.records.seal({"totp": account.totp_secret}),
                    last_totp_step=0,
                    failed_tries=0,
                    created_at=self.records.clock(),
                )
            )
            self.records.audit(
                connection, actor, "create_account", None, f"{name} as {role}: {reason}"
            )
        return account

    def accounts(self) -> List[Dict[str, Any]]:
        """Returns every account's name, role and state; no secret."""
        now = self.records.clock()
        with self.records.transaction() as connection:
            rows = connection.execute(sa.select(console_accounts).order_by(console_accounts.c.name))
            return [
                {
                    "name": row.name,
                    "role": row.role,
                    "created_at": row.created_at,
                    "locked": bool(row.locked_until and row.locked_until > now),
                    "disabled": row.disabled_at is not None,
                }
                for row in rows
            ]

    def has_accounts(self) -> bool:
        """Returns whether any account that may sign in exists."""
        with self.records.transaction() as connection:
            query = sa.select(console_accounts.c.id).where(console_accounts.c.disabled_at.is_(None))
            return connection.execute(query).first() is not None

    def unlock(self, name: str, *, actor: str, reason: str) -> None:
        """Ends a lock and forgets the wrong tries."""
        self._change(
            name, {"failed_tries": 0, "locked_until": None}, "unlock_account", actor, reason
        )

    def disable(self, name: str, *, actor: str, reason: str) -> None:
        """Stops an account signing in, and ends its sessions, for good."""
        with self.records.transaction() as connection:
            update_account(connection, name, {"disabled_at": self.records.clock()})
            connection.execute(console_sessions.delete().where(console_sessions.c.account == name))
            self.records.audit(connection, actor, "disable_account", None, f"{name}: {reason}")

    def _change(
        self, name: str, changes: Dict[str, Any], action: str, actor: str, reason: str
    ) -> None:
        with self.records.transaction() as connection:
            update_account(connection, name, changes)
            self.records.audit(connection, actor, action, None, f"{name}: {reason}")


def account_row(connection: sa.engine.Connection, name: str) -> Optional[sa.engine.Row]:
    """Returns the account with this name, or None."""
    return connection.execute(
        sa.select(console_accounts).where(console_accounts.c.name == name)
    ).first()


def update_account(connection: sa.engine.Connection, name: str, changes: Dict[str, Any]) -> None:
    """Changes the named account; raises AccountProblem if there is none."""
    changed = connection.execute(
        console_accounts.update().where(console_accounts.c.name == name).values(**changes)
    ).rowcount
    if not changed:
        raise AccountProblem("There is no account with that name.")


def verify(password_hash: str, password: str) -> bool:
    """Returns whether the password matches the argon2 hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
