"""What every part of the concern store shares: one transaction, one audit row, one seal.

Each part (submissions, review, accounts, audit, key rotation) works through a
``Records``, so the rules live once: database errors become
``ConcernStoreUnavailable``, an audit row is written on the same connection as
the work it records (so both commit or neither does), and content is sealed
and opened with the same keys.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Sequence

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.concerns.schema import audit_log, concerns

# Staff work on one submission, given the open connection and its row.
Work = Callable[[sa.engine.Connection, sa.engine.Row], Any]


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


def utcnow() -> dt.datetime:
    """Returns the current time in UTC, without a time zone (stored as such)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def load_or_create_key(key_file: Path) -> bytes:
    """Returns the key in ``key_file``, creating the file owner-only if missing.

    Several processes may start together (web workers, Rasa, the action
    server), each finding no key. Each writes a whole key to a file of its own
    and links it into place; the link fails for all but the first, which read
    the first's key. A key file is thus never seen half written: an earlier
    version created the file before writing it, and a worker that read it in
    between signed with an empty key.

    Raises:
        ValueError: the key file exists but is empty.
    """
    try:
        return _read_key(key_file)
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    draft = key_file.with_name(f".{key_file.name}.{os.getpid()}.{uuid.uuid4().hex}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(key)
            stream.flush()
            os.fsync(stream.fileno())
        os.link(draft, key_file)
    except FileExistsError:
        return _read_key(key_file)
    finally:
        draft.unlink(missing_ok=True)
    return key


def _read_key(key_file: Path) -> bytes:
    key = key_file.read_bytes().strip()
    if not key:
        raise ValueError(f"the key file {key_file} is empty: restore it from the backup")
    return key


def keyring(key: bytes, old_keys: Sequence[bytes] = ()) -> MultiFernet:
    """Returns the cipher that seals with ``key`` and opens with it or any old key."""
    return MultiFernet([Fernet(k) for k in (key, *old_keys)])


class Records:
    """The concern database and its keys, as every part of the store uses them.

    Args:
        engine: any SQLAlchemy engine (SQLite by default, PostgreSQL in production).
        cipher: seals new content with the current key, opens with any.
        clock: returns "now"; replaced in tests of retention.
    """

    def __init__(
        self, engine: Engine, cipher: MultiFernet, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.clock = clock

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sa.engine.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise ConcernStoreUnavailable("the concern database cannot be reached") from error

    def audit(
        self,
        connection: sa.engine.Connection,
        actor: str,
        action: str,
        reference: Optional[str],
        reason: str,
    ) -> None:
        """Writes an audit row on the connection of the work it records.

        Each text is cut to its column, and NUL removed (PostgreSQL refuses
        it in text): an audit row must never be the reason work fails.
        """
        connection.execute(
            audit_log.insert().values(
                at=self.clock(),
                actor=fit(actor, 100),
                action=fit(action, 32),
                reference=fit(reference, 13) if reference is not None else None,
                reason=fit(reason, 500),
            )
        )

    def seal(self, content: Mapping[str, Any]) -> bytes:
        """Returns the content as JSON, encrypted with the current key."""
        return self.cipher.encrypt(json.dumps(dict(content), ensure_ascii=False).encode())

    def unseal(self, sealed: bytes, where: Any) -> Dict[str, Any]:
        """Returns what ``seal`` sealed; ``where`` names the row in the error."""
        try:
            return json.loads(self.cipher.decrypt(sealed))
        except InvalidToken as error:
            raise ConcernStoreError(
                f"{where} cannot be decrypted with these keys (was an old key dropped?)"
            ) from error

    def reseal(self, sealed: bytes) -> bytes:
        """Returns the same content sealed with the current key."""
        try:
            return self.cipher.rotate(sealed)
        except InvalidToken as error:
            raise ConcernStoreError("a row cannot be decrypted with these keys") from error

    def on_concern(self, reference: str, action: str, actor: str, reason: str, work: Work) -> Any:
        """Does staff work on one submission, audited; a refused try is audited too."""
        try:
            with self.transaction() as connection:
                result = work(connection, concern_row(connection, reference))
                self.audit(connection, actor, action, reference, reason)
            return result
        except UnknownReference:
            with self.transaction() as connection:
                self.audit(connection, actor, f"{action}_refused", reference[:13], reason)
            raise


def fit(text: str, length: int) -> str:
    """Returns the text without NUL characters, cut to ``length``."""
    return text.replace("\x00", "")[:length]


def concern_row(connection: sa.engine.Connection, reference: str) -> sa.engine.Row:
    """Returns the submission with this reference; raises UnknownReference if there is none."""
    if "\x00" in reference:  # no reference has one, and PostgreSQL refuses it in a query
        raise UnknownReference(reference)
    query = sa.select(concerns).where(concerns.c.reference == reference)
    row = connection.execute(query).first()
    if row is None:
        raise UnknownReference(reference)
    return row
