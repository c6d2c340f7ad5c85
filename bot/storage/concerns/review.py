"""The concern team's side: reading, export, erasure and retention, every call audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any, Dict, List, Sequence

import sqlalchemy as sa

from bot.languages import ENGLISH
from bot.storage.concerns.records import Records, UnknownReference
from bot.storage.concerns.schema import NEW, REVIEWED, additions, concerns
from bot.storage.concerns.submissions import forget_old_failures

# A spreadsheet takes a cell starting with one of these as a formula: what a
# reporter typed must never run in the case system's spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def records_as_csv(records: List[Dict[str, Any]]) -> str:
    """Returns records as CSV, one column per field seen in any record.

    Lists and objects are written as JSON; a cell that a spreadsheet would
    take as a formula starts with an apostrophe, so it stays text.
    """
    columns: List[str] = []
    for record in records:
        columns += [key for key in record if key not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for record in records:
        row = {}
        for key, value in record.items():
            if isinstance(value, (list, dict)):
                value = json.dumps(value, ensure_ascii=False)
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                value = "'" + value
            row[key] = value
        writer.writerow(row)
    return out.getvalue()


class Review:
    """What officers do with submissions. Each call writes its audit row in its transaction."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def list_new(self, *, actor: str, reason: str) -> List[Dict[str, Any]]:
        """Returns the submissions not yet reviewed, oldest first, without content."""
        query = (
            sa.select(concerns.c.reference, concerns.c.created_at, concerns.c.status)
            .where(concerns.c.status == NEW)
            .order_by(concerns.c.created_at)
        )
        with self.records.transaction() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
            self.records.audit(connection, actor, "list", None, reason)
        return rows

    def read(self, reference: str, *, actor: str, reason: str) -> Dict[str, Any]:
        """Returns one submission with its content decrypted."""

        def read_row(connection: sa.engine.Connection, row: sa.engine.Row) -> Dict[str, Any]:
            return self._as_record(row, self._additions(connection, [row.id]).get(row.id, []))

        return self.records.on_concern(reference, "read", actor, reason, read_row)

    def export(self, *, actor: str, reason: str) -> List[Dict[str, Any]]:
        """Returns every submission, decrypted, for the force's case system."""
        with self.records.transaction() as connection:
            rows = list(connection.execute(sa.select(concerns).order_by(concerns.c.created_at)))
            added = self._additions(connection, [row.id for row in rows])
            records = [self._as_record(row, added.get(row.id, [])) for row in rows]
            self.records.audit(connection, actor, "export", None, reason)
        return records

    def export_these(
        self, references: Sequence[str], *, actor: str, reason: str
    ) -> List[Dict[str, Any]]:
        """Returns the named submissions, decrypted, for the case system; one audit row each."""
        wanted = list(dict.fromkeys(reference[:13] for reference in references))
        # PostgreSQL refuses NUL in a query; no reference has one.
        possible = [reference for reference in wanted if "\x00" not in reference]
        records: List[Dict[str, Any]] = []
        with self.records.transaction() as connection:
            rows = list(
                connection.execute(
                    sa.select(concerns)
                    .where(concerns.c.reference.in_(possible))
                    .order_by(concerns.c.created_at)
                )
            )
            missing = sorted(set(wanted) - {row.reference for row in rows})
            # All or nothing: a list with one unknown reference exports none.
            for reference in missing:
                self.records.audit(connection, actor, "export_refused", reference, reason)
            if not missing:
                added = self._additions(connection, [row.id for row in rows])
                records = [self._as_record(row, added.get(row.id, [])) for row in rows]
                for row in rows:
                    self.records.audit(connection, actor, "export", row.reference, reason)
        if missing:
            raise UnknownReference(", ".join(missing))
        return records

    def mark_reviewed(self, reference: str, *, actor: str, reason: str) -> None:
        """Marks one submission as reviewed."""

        def review(connection: sa.engine.Connection, row: sa.engine.Row) -> None:
            connection.execute(
                concerns.update()
                .where(concerns.c.id == row.id)
                .values(status=REVIEWED, reviewed_at=self.records.clock())
            )

        self.records.on_concern(reference, "mark_reviewed", actor, reason, review)

    def erase(self, reference: str, *, actor: str, reason: str) -> None:
        """Deletes one submission, and what was added to it, for good."""

        def delete(connection: sa.engine.Connection, row: sa.engine.Row) -> None:
            self._delete(connection, concerns.c.id == row.id)

        self.records.on_concern(reference, "erase", actor, reason, delete)

    def purge_expired(self, *, retention_days: int, actor: str) -> int:
        """Deletes submissions older than the retention period; returns how many."""
        now = self.records.clock()
        with self.records.transaction() as connection:
            removed = self._delete(
                connection, concerns.c.created_at < now - dt.timedelta(days=retention_days)
            )
            reason = f"retention: older than {retention_days} days ({removed} removed)"
            self.records.audit(connection, actor, "purge", None, reason)
            forget_old_failures(connection, now)
        return removed

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
                    **self.records.unseal(row.sealed, row.concern_id),
                }
            )
        return found

    def _as_record(self, row: sa.engine.Row, added: List[Dict[str, Any]]) -> Dict[str, Any]:
        content = self.records.unseal(row.sealed, row.reference)
        return {
            "reference": row.reference,
            "created_at": row.created_at.isoformat(timespec="seconds"),
            "status": row.status,
            "reviewed_at": row.reviewed_at.isoformat(timespec="seconds")
            if row.reviewed_at
            else None,
            # Reports from before reports were tagged were all in English.
            "language": ENGLISH,
            **content,
            "additions": added,
            "priority": row.priority,
            "outcome": row.outcome,
            **(
                self.records.unseal(row.triage_sealed, row.reference)
                if row.triage_sealed
                else {"case_number": "", "note": ""}
            ),
        }
