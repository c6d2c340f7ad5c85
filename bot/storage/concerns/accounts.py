"""The concern team's API tokens: issued, revoked and checked; issuing and revoking audited."""

from __future__ import annotations

import hashlib
import secrets
from typing import Optional

import sqlalchemy as sa

from bot.storage.concerns.records import Records
from bot.storage.concerns.schema import staff_tokens

# Staff tokens start with this, so a leaked one is recognisable in a scan.
STAFF_TOKEN_PREFIX = "wct_"


def hash_token(token: str) -> str:
    """Returns the SHA-256 of a staff API token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class StaffAccounts:
    """Who may use the staff API."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def issue_staff_token(self, user: str, *, actor: str, reason: str) -> str:
        """Creates an API token for one officer; returns it (it is shown only once)."""
        token = STAFF_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.records.transaction() as connection:
            connection.execute(
                staff_tokens.insert().values(
                    user=user, token_hash=hash_token(token), created_at=self.records.clock()
                )
            )
            self.records.audit(connection, actor, "issue_token", None, f"for {user}: {reason}")
        return token

    def revoke_staff_tokens(self, user: str, *, actor: str, reason: str) -> int:
        """Revokes every live token of one officer; returns how many."""
        with self.records.transaction() as connection:
            revoked = connection.execute(
                staff_tokens.update()
                .where(staff_tokens.c.user == user)
                .where(staff_tokens.c.revoked_at.is_(None))
                .values(revoked_at=self.records.clock())
            ).rowcount
            self.records.audit(connection, actor, "revoke_token", None, f"for {user}: {reason}")
        return revoked

    def staff_user(self, token: str) -> Optional[str]:
        """Returns the officer a live token belongs to, or None."""
        with self.records.transaction() as connection:
            return connection.execute(
                sa.select(staff_tokens.c.user)
                .where(staff_tokens.c.token_hash == hash_token(token))
                .where(staff_tokens.c.revoked_at.is_(None))
            ).scalar()

    def has_staff_tokens(self) -> bool:
        """Returns whether any officer holds a live staff API token."""
        with self.records.transaction() as connection:
            live = sa.select(staff_tokens.c.user).where(staff_tokens.c.revoked_at.is_(None))
            return connection.execute(live).first() is not None
