"""The console's triage: where each concern stands, and an officer's decision on it.

A concern is "new" until an officer gives it a priority, "open" while its
outcome is undecided, and "closed" once it has one. Triage marks it reviewed,
which is all the reporter's follow-up ever shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot.languages import ENGLISH
from bot.storage.concerns.records import ConcernStoreError, Records
from bot.storage.concerns.schema import OUTCOMES, PRIORITIES, REVIEWED, additions, concerns

# Where a concern is in the console's triage: not yet triaged, given a
# priority but still open, or closed with an outcome.
TRIAGE_STATES = ("new", "open", "closed")


# Each state as a condition on the table, so only those rows are read and opened.
STATE_IS = {
    "new": sa.and_(concerns.c.priority.is_(None), concerns.c.outcome.is_(None)),
    "open": sa.and_(concerns.c.priority.is_not(None), concerns.c.outcome.is_(None)),
    "closed": concerns.c.outcome.is_not(None),
}


class TriageProblem(ConcernStoreError):
    """The triage asked for is not complete; the message says what is missing."""


def triage_state(row: Any) -> str:
    """Returns "new", "open" or "closed" for a concern's row."""
    if row.outcome:
        return "closed"
    return "open" if row.priority else "new"


class Triage:
    """The console's list and decisions. Each call writes its audit row in its transaction."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def overview(self, *, state: Optional[str], actor: str, reason: str) -> List[Dict[str, Any]]:
        """Returns the console's list, newest first: no text anyone wrote, only what was chosen.

        Each row: reference, when, the signs (their labels), who the person is
        to the reporter, the language they wrote in, whether someone was said
        to be in danger, whether the reporter may be contacted, how many
        additions (and whether any came after the triage), and the triage.
        ``state`` keeps one triage state.
        """
        with self.records.transaction() as connection:
            query = sa.select(concerns).order_by(concerns.c.created_at.desc())
            if state is not None:
                query = query.where(STATE_IS[state])
            rows = list(connection.execute(query))
            added = self._addition_times(connection, [row.id for row in rows])
            listed = []
            for row in rows:
                content = self.records.unseal(row.sealed, row.reference)
                times = added.get(row.id, [])
                listed.append(
                    {
                        "reference": row.reference,
                        "created_at": row.created_at,
                        "warning_signs": list(content.get("warning_signs") or []),
                        "relationship": content.get("relationship"),
                        "language": content.get("language") or ENGLISH,
                        "in_danger_now": bool(content.get("in_danger_now")),
                        "may_contact": content.get("contact_by") in ("phone", "email"),
                        "additions": len(times),
                        "added_since_triage": bool(
                            row.triaged_at and any(time > row.triaged_at for time in times)
                        ),
                        "state": triage_state(row),
                        "priority": row.priority,
                        "outcome": row.outcome,
                    }
                )
            self.records.audit(connection, actor, "list", None, reason)
        return listed

    def decide(
        self,
        reference: str,
        *,
        priority: str,
        outcome: Optional[str],
        case_number: str = "",
        note: str = "",
        actor: str,
        reason: str,
    ) -> None:
        """Sets a concern's priority and, once decided, its outcome; the reporter sees "reviewed".

        Raises TriageProblem when the priority or outcome is not one the
        console offers, a linked case has no number, or "no further action"
        has no why.
        """
        if priority not in PRIORITIES:
            raise TriageProblem("Choose a priority.")
        if outcome is not None and outcome not in OUTCOMES:
            raise TriageProblem("Choose an outcome, or leave it open.")
        case_number, note = case_number.strip()[:40], note.strip()[:2000]
        if outcome == "linked_to_case" and not case_number:
            raise TriageProblem("Give the number of the case it is linked to.")
        if outcome == "no_further_action" and not note:
            raise TriageProblem("Say why no further action is needed.")

        def decide(connection: sa.engine.Connection, row: sa.engine.Row) -> None:
            connection.execute(
                concerns.update()
                .where(concerns.c.id == row.id)
                .values(
                    priority=priority,
                    outcome=outcome,
                    triaged_at=self.records.clock(),
                    triage_sealed=self.records.seal({"case_number": case_number, "note": note}),
                    status=REVIEWED,
                    reviewed_at=row.reviewed_at or self.records.clock(),
                )
            )

        decided = f"priority {priority}, outcome {outcome or 'still open'}: {reason}"
        self.records.on_concern(reference, "triage", actor, decided[:500], decide)

    @staticmethod
    def _addition_times(
        connection: sa.engine.Connection, concern_ids: List[int]
    ) -> Dict[int, List[dt.datetime]]:
        query = sa.select(additions.c.concern_id, additions.c.created_at).where(
            additions.c.concern_id.in_(concern_ids)
        )
        found: Dict[int, List[dt.datetime]] = {}
        for row in connection.execute(query):
            found.setdefault(row.concern_id, []).append(row.created_at)
        return found
