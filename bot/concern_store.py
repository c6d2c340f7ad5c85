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
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
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
        key: a Fernet key for the sealed content.
        clock: returns "now"; replaced in tests of retention.
    """

    def __init__(
        self, engine: Engine, key: bytes, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.cipher = Fernet(key)
        self.clock = clock

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
        with self._transaction() as connection:
            row = self._row(connection, reference)
            self._audit(connection, actor, "read", reference, reason)
        return self._as_record(row)

    def export(self, *, actor: str, reason: str) -> List[Dict[str, Any]]:
        """Returns every submission, decrypted, for the force's case system."""
        with self._transaction() as connection:
            rows = connection.execute(sa.select(concerns).order_by(concerns.c.created_at))
            records = [self._as_record(row) for row in rows]
            self._audit(connection, actor, "export", None, reason)
        return records

    def mark_reviewed(self, reference: str, *, actor: str, reason: str) -> None:
        """Marks one submission as reviewed."""
        with self._transaction() as connection:
            self._row(connection, reference)
            connection.execute(
                concerns.update()
                .where(concerns.c.reference == reference)
                .values(status=REVIEWED, reviewed_at=self.clock())
            )
            self._audit(connection, actor, "mark_reviewed", reference, reason)

    def erase(self, reference: str, *, actor: str, reason: str) -> None:
        """Deletes one submission for good."""
        with self._transaction() as connection:
            self._row(connection, reference)
            connection.execute(concerns.delete().where(concerns.c.reference == reference))
            self._audit(connection, actor, "erase", reference, reason)

    def purge_expired(self, *, retention_days: int, actor: str) -> int:
        """Deletes submissions older than the retention period; returns how many."""
        cutoff = self.clock() - dt.timedelta(days=retention_days)
        with self._transaction() as connection:
            result = connection.execute(concerns.delete().where(concerns.c.created_at < cutoff))
            reason = f"retention: older than {retention_days} days ({result.rowcount} removed)"
            self._audit(connection, actor, "purge", None, reason)
        return result.rowcount

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

    def _as_record(self, row: sa.engine.Row) -> Dict[str, Any]:
        try:
            content = json.loads(self.cipher.decrypt(row.sealed))
        except InvalidToken as error:
            raise ConcernStoreError(
                f"{row.reference} cannot be decrypted with this key (was the key rotated?)"
            ) from error
        return {
            "reference": row.reference,
            "created_at": row.created_at.isoformat(timespec="seconds"),
            "status": row.status,
            "reviewed_at": row.reviewed_at.isoformat(timespec="seconds")
            if row.reviewed_at
            else None,
            **content,
        }
