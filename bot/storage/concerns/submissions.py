"""The public side: a submission stored, and followed up by its reference and phrase."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.storage.concerns.records import ConcernStoreUnavailable, FollowUpRefused, Records
from bot.storage.concerns.references import (
    hash_phrase,
    new_follow_up_phrase,
    new_reference,
    normalise_reference,
    phrase_matches,
)
from bot.storage.concerns.schema import NEW, additions, concerns, follow_up_failures

REFERENCE_ATTEMPTS = 5
# Follow-up by reference: 5 wrong tries per reference in 15 minutes, then every
# try is refused until the window passes. Enough for typing mistakes, far too
# few to guess a phrase from 119**3 * 90 (about 150 million).
FOLLOW_UP_FAILURES_ALLOWED = 5
FOLLOW_UP_WINDOW = dt.timedelta(minutes=15)


def forget_old_failures(connection: sa.engine.Connection, now: dt.datetime) -> None:
    """Deletes wrong follow-up tries older than their window: they no longer count."""
    connection.execute(
        follow_up_failures.delete().where(follow_up_failures.c.at < now - FOLLOW_UP_WINDOW)
    )


@dataclass(frozen=True)
class Receipt:
    """What the person who submitted is told, once, after the store commits."""

    reference: str
    follow_up_phrase: str


class Submissions:
    """Stores submissions and lets the person who sent one follow it up."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self._decoy_hash: Optional[str] = None

    def submit(self, concern: Mapping[str, Any]) -> Receipt:
        """Stores a submission and returns its receipt once the transaction commits."""
        phrase = new_follow_up_phrase()
        row = {
            "created_at": self.records.clock(),
            "status": NEW,
            "follow_up_hash": hash_phrase(phrase),
            "sealed": self.records.seal(concern),
        }
        for _ in range(REFERENCE_ATTEMPTS):
            reference = new_reference()
            try:
                with self.records.engine.begin() as connection:
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
        with self.records.transaction() as connection:
            connection.execute(
                additions.insert().values(
                    concern_id=row.id,
                    created_at=self.records.clock(),
                    sealed=self.records.seal({"text": text}),
                )
            )

    def _verified(self, reference: str, phrase: str) -> sa.engine.Row:
        """Returns the row if reference and phrase match and tries are not used up."""
        reference = normalise_reference(reference)
        since = self.records.clock() - FOLLOW_UP_WINDOW
        with self.records.transaction() as connection:
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
                    follow_up_failures.insert().values(reference=reference, at=self.records.clock())
                )
        if failures >= FOLLOW_UP_FAILURES_ALLOWED or not matches:
            raise FollowUpRefused()
        return row

    def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = hash_phrase(new_follow_up_phrase())
        return self._decoy_hash
