"""The audit trail: what was refused, what was purged outside the store, and reading it back.

The work the store does itself is audited where it is done, in its own
transaction (``Records.audit``); these are the rows with no other home.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot.storage.concerns.records import Records
from bot.storage.concerns.schema import audit_log


class AuditTrail:
    """Writes the audit rows no other part owns, and reads the trail."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def record(self, actor: str, action: str, reason: str) -> None:
        """Audits access with no work of its own in the store (reading this log, a refusal)."""
        with self.records.transaction() as connection:
            self.records.audit(connection, actor[:100], action[:32], None, reason[:500])

    def record_refusal(self, actor: str, action: str, reason: str) -> None:
        """Audits access that was refused (no token, a wrong one, a public session)."""
        self.record(actor, action, reason)

    def record_conversation_purge(self, removed: int, *, idle_hours: float, actor: str) -> None:
        """Audits the deletion of idle conversations from Rasa's tracker store."""
        reason = f"retention: conversations idle for {idle_hours:g} hours ({removed} removed)"
        with self.records.transaction() as connection:
            self.records.audit(connection, actor, "purge-conversations", None, reason)

    def audit_trail(self, *, newest: Optional[int] = None) -> List[Dict[str, Any]]:
        """Returns the audit log, oldest first; only its ``newest`` rows if given."""
        query = sa.select(audit_log).order_by(audit_log.c.id.desc())
        if newest is not None:
            query = query.limit(newest)
        with self.records.transaction() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        return rows[::-1]
