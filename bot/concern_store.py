"""The concern store: confidential concern submissions, encrypted at rest, with an audit trail.

Shared by the action server (which stores a submission) and the staff tools
(which read, export, erase and purge). Everything a person wrote, and how to
contact them, is kept only as one encrypted blob per submission; the columns
beside it (reference, times, status) say nothing about anyone. The follow-up
phrase is kept only as a slow hash. Every staff read, export, erasure and purge
writes an audit row in the same transaction as the work it records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

# No 0/O or 1/I: a reference is read out over the phone and copied by hand.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "CON"
# Short, common, unambiguous words: the phrase is written down or remembered.
FOLLOW_UP_WORDS = (
    "amber apple arrow autumn badger basket beach berry birch blossom bridge brook "
    "butter candle canal castle cedar cherry clover cloud comet copper coral cotton "
    "crystal daisy dawn desert dolphin dragon eagle ember falcon feather fern field "
    "flame forest fossil fox garden ginger glacier granite harbour hazel heather "
    "hedge heron honey island ivory jasmine kettle lantern lemon lilac lily maple "
    "marble meadow melon mint moon moss mountain needle nutmeg oak ocean olive "
    "orange orchard otter owl paper pebble pepper pine planet plum pond poppy "
    "puffin quartz rabbit rain raven ribbon river robin rose saffron salmon sand "
    "shell silver sky snow sparrow spring star stone storm summer sun swan thistle "
    "thunder tiger timber tulip valley velvet violet walnut willow winter wren"
).split()
# scrypt at n=2**14 takes tens of milliseconds: cheap once, costly to guess at scale.
SCRYPT_PARAMS = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
REFERENCE_ATTEMPTS = 5
# Follow-up by reference: 5 wrong tries per reference in 15 minutes, then every
# try is refused until the window passes. Enough for typing mistakes, far too
# few to guess a phrase from 144**3 * 90 (about 270 million).
FOLLOW_UP_FAILURES_ALLOWED = 5
FOLLOW_UP_WINDOW = dt.timedelta(minutes=15)

# Staff tokens start with this, so a leaked one is recognisable in a scan.
STAFF_TOKEN_PREFIX = "wct_"

NEW = "received"
REVIEWED = "reviewed"

metadata = sa.MetaData()

concerns = sa.Table(
    "concerns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(13), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, default=NEW),
    sa.Column("reviewed_at", sa.DateTime),
    sa.Column("follow_up_hash", sa.String(200), nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
)

# What the person who submitted adds later, by reference and phrase.
additions = sa.Table(
    "concern_additions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("concern_id", sa.Integer, sa.ForeignKey("concerns.id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
)

# Wrong follow-up tries, by the reference typed (which may not exist).
follow_up_failures = sa.Table(
    "follow_up_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(40), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
)

# The concern team's API tokens (bot/web/staff.py): only a hash of each is
# kept, so a copy of the database gives no way in. Tokens are long and random,
# so a fast hash is enough; a slow one would only slow every request.
staff_tokens = sa.Table(
    "staff_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user", sa.String(100), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(13)),
    sa.Column("reason", sa.String(500), nullable=False),
)


class ConcernStoreError(Exception):
    """The store could not do what was asked; nothing was changed."""


class ConcernStoreUnavailable(ConcernStoreError):
    """The database could not be reached or refused the work."""


class UnknownReference(ConcernStoreError):
    """No submission has this reference."""


class FollowUpRefused(ConcernStoreError):
    """The reference or the phrase is wrong, or too many tries were made.

    Deliberately one error for all three, so a caller cannot learn which.
    """


@dataclass(frozen=True)
class Receipt:
    """What the person who submitted is told, once, after the store commits."""

    reference: str
    follow_up_phrase: str


def utcnow() -> dt.datetime:
    """Returns the current time in UTC, without a time zone (stored as such)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def new_reference() -> str:
    """Returns a random reference such as CON-7KQM-PX3D, unrelated to the content."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{chars[:4]}-{chars[4:]}"


def new_follow_up_phrase() -> str:
    """Returns a short secret phrase such as "otter-maple-river-42"."""
    words = [secrets.choice(FOLLOW_UP_WORDS) for _ in range(3)]
    return "-".join([*words, f"{secrets.randbelow(90) + 10}"])


def hash_phrase(phrase: str, *, salt: Optional[bytes] = None) -> str:
    """Returns a salted scrypt hash of the phrase, as text."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(normalise_phrase(phrase).encode(), salt=salt, **SCRYPT_PARAMS)
    return f"scrypt${salt.hex()}${digest.hex()}"


def phrase_matches(phrase: str, stored_hash: str) -> bool:
    """Tells whether the phrase is the one behind the stored hash."""
    try:
        _, salt_hex, _ = stored_hash.split("$")
        expected = hash_phrase(phrase, salt=bytes.fromhex(salt_hex))
    except ValueError:
        return False
    return hmac.compare_digest(expected, stored_hash)


def hash_token(token: str) -> str:
    """Returns the SHA-256 of a staff API token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_reference(reference: str) -> str:
    """Upper-cases and tidies a typed reference: " con 7kqm px3d" -> "CON-7KQM-PX3D"."""
    chars = "".join(ch for ch in reference.upper() if ch.isalnum())
    if len(chars) == 11 and chars.startswith(REFERENCE_PREFIX):
        return f"{chars[:3]}-{chars[3:7]}-{chars[7:]}"
    return reference.strip()[:40]


def normalise_phrase(phrase: str) -> str:
    """Lower-cases and joins with hyphens, so "Otter Maple River 42" is accepted."""
    return "-".join(phrase.lower().replace("-", " ").split())


def load_or_create_key(key_file: Path) -> bytes:
    """Returns the encryption key from the key file, creating it owner-only if missing."""
    try:
        return key_file.read_bytes().strip()
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting together must not write two different keys.
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
    return key


class ConcernStore:
    """Stores and reads concern submissions.

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
        self.engine = engine
        self.cipher = MultiFernet([Fernet(k) for k in (key, *old_keys)])
        self.clock = clock
        self._decoy_hash: Optional[str] = None

    def create_schema(self) -> None:
        """Creates the tables if they do not exist yet."""
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as error:
            raise ConcernStoreUnavailable("the concern database cannot be set up") from error

    # The public side -------------------------------------------------------

    def submit(self, concern: Mapping[str, Any]) -> Receipt:
        """Stores a submission and returns its receipt once the transaction commits."""
        phrase = new_follow_up_phrase()
        row = {
            "created_at": self.clock(),
            "status": NEW,
            "follow_up_hash": hash_phrase(phrase),
            "sealed": self._seal(concern),
        }
        for _ in range(REFERENCE_ATTEMPTS):
            reference = new_reference()
            try:
                with self.engine.begin() as connection:
                    connection.execute(concerns.insert().values(reference=reference, **row))
            except IntegrityError:
                continue  # the random reference was taken: draw another
            except SQLAlchemyError as error:
                raise ConcernStoreUnavailable("the submission could not be stored") from error
            return Receipt(reference=reference, follow_up_phrase=phrase)
        raise ConcernStoreUnavailable("no free reference was found")

    def follow_up(self, reference: str, phrase: str) -> Dict[str, Any]:
        """Returns the status of one's own submission, given its reference and phrase.

        Raises:
            FollowUpRefused: the same for a wrong reference, a wrong phrase, or
                too many wrong tries.
        """
        row = self._verified(reference, phrase)
        return {"reference": row.reference, "status": row.status}

    def add_information(self, reference: str, phrase: str, text: str) -> None:
        """Adds what the person who submitted wants to add, sealed like the rest."""
        row = self._verified(reference, phrase)
        with self._transaction() as connection:
            connection.execute(
                additions.insert().values(
                    concern_id=row.id,
                    created_at=self.clock(),
                    sealed=self._seal({"text": text}),
                )
            )

    # The concern team's side: every call is audited -------------------------

    def list_new(self, *, actor: str, reason: str) -> List[Dict[str, Any]]:
        """Returns the submissions not yet reviewed, oldest first, without content."""
        query = (
            sa.select(concerns.c.reference, concerns.c.created_at, concerns.c.status)
            .where(concerns.c.status == NEW)
            .order_by(concerns.c.created_at)
        )
        with self._transaction() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
            self._audit(connection, actor, "list", None, reason)
        return rows

    def read(self, reference: str, *, actor: str, reason: str) -> Dict[str, Any]:
        """Returns one submission with its content decrypted."""

        def read_row(connection: sa.engine.Connection, row: sa.engine.Row) -> Dict[str, Any]:
            return self._as_record(row, self._additions(connection, [row.id]).get(row.id, []))

        return self._on_concern(reference, "read", actor, reason, read_row)

    def export(self, *, actor: str, reason: str) -> List[Dict[str, Any]]:
        """Returns every submission, decrypted, for the force's case system."""
        with self._transaction() as connection:
            rows = list(connection.execute(sa.select(concerns).order_by(concerns.c.created_at)))
            added = self._additions(connection, [row.id for row in rows])
            records = [self._as_record(row, added.get(row.id, [])) for row in rows]
            self._audit(connection, actor, "export", None, reason)
        return records

    def mark_reviewed(self, reference: str, *, actor: str, reason: str) -> None:
        """Marks one submission as reviewed."""

        def review(connection: sa.engine.Connection, row: sa.engine.Row) -> None:
            connection.execute(
                concerns.update()
                .where(concerns.c.id == row.id)
                .values(status=REVIEWED, reviewed_at=self.clock())
            )

        self._on_concern(reference, "mark_reviewed", actor, reason, review)

    def erase(self, reference: str, *, actor: str, reason: str) -> None:
        """Deletes one submission, and what was added to it, for good."""

        def delete(connection: sa.engine.Connection, row: sa.engine.Row) -> None:
            self._delete(connection, concerns.c.id == row.id)

        self._on_concern(reference, "erase", actor, reason, delete)

    def purge_expired(self, *, retention_days: int, actor: str) -> int:
        """Deletes submissions older than the retention period; returns how many."""
        cutoff = self.clock() - dt.timedelta(days=retention_days)
        with self._transaction() as connection:
            removed = self._delete(connection, concerns.c.created_at < cutoff)
            reason = f"retention: older than {retention_days} days ({removed} removed)"
            self._audit(connection, actor, "purge", None, reason)
            # Wrong follow-up tries only matter within their window.
            connection.execute(
                follow_up_failures.delete().where(
                    follow_up_failures.c.at < self.clock() - FOLLOW_UP_WINDOW
                )
            )
        return removed

    def rotate_key(self, *, actor: str) -> int:
        """Re-seals every submission with the current key; returns how many rows."""
        with self._transaction() as connection:
            count = 0
            for table in (concerns, additions):
                for row in list(connection.execute(sa.select(table.c.id, table.c.sealed))):
                    connection.execute(
                        table.update()
                        .where(table.c.id == row.id)
                        .values(sealed=self._rotate(row.sealed))
                    )
                    count += 1
            self._audit(connection, actor, "rotate_key", None, f"{count} rows re-sealed")
        return count

    # The concern team's API tokens ------------------------------------------

    def issue_staff_token(self, user: str, *, actor: str, reason: str) -> str:
        """Creates an API token for one officer; returns it (it is shown only once)."""
        token = STAFF_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._transaction() as connection:
            connection.execute(
                staff_tokens.insert().values(
                    user=user, token_hash=hash_token(token), created_at=self.clock()
                )
            )
            self._audit(connection, actor, "issue_token", None, f"for {user}: {reason}")
        return token

    def revoke_staff_tokens(self, user: str, *, actor: str, reason: str) -> int:
        """Revokes every live token of one officer; returns how many."""
        with self._transaction() as connection:
            revoked = connection.execute(
                staff_tokens.update()
                .where(staff_tokens.c.user == user)
                .where(staff_tokens.c.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            ).rowcount
            self._audit(connection, actor, "revoke_token", None, f"for {user}: {reason}")
        return revoked

    def staff_user(self, token: str) -> Optional[str]:
        """Returns the officer a live token belongs to, or None."""
        with self._transaction() as connection:
            return connection.execute(
                sa.select(staff_tokens.c.user)
                .where(staff_tokens.c.token_hash == hash_token(token))
                .where(staff_tokens.c.revoked_at.is_(None))
            ).scalar()

    def has_staff_tokens(self) -> bool:
        """Returns whether any officer holds a live staff API token."""
        with self._transaction() as connection:
            return (
                connection.execute(
                    sa.select(staff_tokens.c.user).where(staff_tokens.c.revoked_at.is_(None))
                ).first()
                is not None
            )

    def record_refusal(self, actor: str, action: str, reason: str) -> None:
        """Audits access that was refused (no token, a wrong one, a public session)."""
        with self._transaction() as connection:
            self._audit(connection, actor[:100], action, None, reason[:500])

    def record_conversation_purge(self, removed: int, *, idle_hours: float, actor: str) -> None:
        """Audits the deletion of idle conversations from Rasa's tracker store."""
        with self._transaction() as connection:
            reason = f"retention: conversations idle for {idle_hours:g} hours ({removed} removed)"
            self._audit(connection, actor, "purge-conversations", None, reason)

    def audit_trail(self) -> List[Dict[str, Any]]:
        """Returns the audit log, oldest first."""
        with self._transaction() as connection:
            rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id))
            return [dict(row._mapping) for row in rows]

    # Internals ---------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sa.engine.Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise ConcernStoreUnavailable("the concern database cannot be reached") from error

    def _on_concern(
        self,
        reference: str,
        action: str,
        actor: str,
        reason: str,
        work: Callable[[sa.engine.Connection, sa.engine.Row], Any],
    ) -> Any:
        """Does staff work on one submission, audited; a refused try is audited too."""
        try:
            with self._transaction() as connection:
                result = work(connection, self._row(connection, reference))
                self._audit(connection, actor, action, reference, reason)
            return result
        except UnknownReference:
            with self._transaction() as connection:
                self._audit(connection, actor, f"{action}_refused", reference[:13], reason)
            raise

    def _verified(self, reference: str, phrase: str) -> sa.engine.Row:
        """Returns the row if reference and phrase match and tries are not used up."""
        reference = normalise_reference(reference)
        since = self.clock() - FOLLOW_UP_WINDOW
        with self._transaction() as connection:
            failures = connection.execute(
                sa.select(sa.func.count())
                .select_from(follow_up_failures)
                .where(follow_up_failures.c.reference == reference)
                .where(follow_up_failures.c.at >= since)
            ).scalar()
            row = connection.execute(
                sa.select(concerns).where(concerns.c.reference == reference)
            ).first()
            # Hash even when the reference is unknown, so the answer takes as long.
            stored = row.follow_up_hash if row is not None else self._decoy()
            matches = phrase_matches(phrase, stored) and row is not None
            if not matches:
                connection.execute(
                    follow_up_failures.insert().values(reference=reference, at=self.clock())
                )
        if failures >= FOLLOW_UP_FAILURES_ALLOWED or not matches:
            raise FollowUpRefused()
        return row

    def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = hash_phrase(new_follow_up_phrase())
        return self._decoy_hash

    @staticmethod
    def _delete(connection: sa.engine.Connection, condition: Any) -> int:
        ids = sa.select(concerns.c.id).where(condition).scalar_subquery()
        connection.execute(additions.delete().where(additions.c.concern_id.in_(ids)))
        return connection.execute(concerns.delete().where(condition)).rowcount

    def _additions(
        self, connection: sa.engine.Connection, concern_ids: List[int]
    ) -> Dict[int, List[Dict[str, Any]]]:
        query = (
            sa.select(additions)
            .where(additions.c.concern_id.in_(concern_ids))
            .order_by(additions.c.id)
        )
        found: Dict[int, List[Dict[str, Any]]] = {}
        for row in connection.execute(query):
            found.setdefault(row.concern_id, []).append(
                {
                    "added_at": row.created_at.isoformat(timespec="seconds"),
                    **self._unseal(row.sealed, row.concern_id),
                }
            )
        return found

    @staticmethod
    def _row(connection: sa.engine.Connection, reference: str) -> sa.engine.Row:
        query = sa.select(concerns).where(concerns.c.reference == reference)
        row = connection.execute(query).first()
        if row is None:
            raise UnknownReference(reference)
        return row

    def _audit(
        self,
        connection: sa.engine.Connection,
        actor: str,
        action: str,
        reference: Optional[str],
        reason: str,
    ) -> None:
        connection.execute(
            audit_log.insert().values(
                at=self.clock(), actor=actor, action=action, reference=reference, reason=reason
            )
        )

    def _seal(self, concern: Mapping[str, Any]) -> bytes:
        return self.cipher.encrypt(json.dumps(dict(concern), ensure_ascii=False).encode())

    def _unseal(self, sealed: bytes, where: Any) -> Dict[str, Any]:
        try:
            return json.loads(self.cipher.decrypt(sealed))
        except InvalidToken as error:
            raise ConcernStoreError(
                f"{where} cannot be decrypted with these keys (was an old key dropped?)"
            ) from error

    def _rotate(self, sealed: bytes) -> bytes:
        try:
            return self.cipher.rotate(sealed)
        except InvalidToken as error:
            raise ConcernStoreError("a row cannot be decrypted with these keys") from error

    def _as_record(self, row: sa.engine.Row, added: List[Dict[str, Any]]) -> Dict[str, Any]:
        content = self._unseal(row.sealed, row.reference)
        return {
            "reference": row.reference,
            "created_at": row.created_at.isoformat(timespec="seconds"),
            "status": row.status,
            "reviewed_at": row.reviewed_at.isoformat(timespec="seconds")
            if row.reviewed_at
            else None,
            **content,
            "additions": added,
        }
