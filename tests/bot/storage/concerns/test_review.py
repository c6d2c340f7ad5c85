"""Handing concerns over: export of chosen reports, CSV that stays text, older databases."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot.storage.concerns import ConcernStore, UnknownReference
from bot.storage.concerns.review import records_as_csv
from tests.console import INVENTED_CONCERN as CONCERN


def test_export_of_chosen_reports_is_audited_once_for_each(console_store):
    first = console_store.submissions.submit(CONCERN).reference
    second = console_store.submissions.submit(CONCERN).reference
    console_store.submissions.submit(CONCERN)
    records = console_store.review.export_these(
        [second, first, first], actor="pc", reason="case system"
    )
    assert sorted(r["reference"] for r in records) == sorted([first, second])
    exported = [e for e in console_store.audit.audit_trail() if e["action"] == "export"]
    assert sorted(e["reference"] for e in exported) == sorted([first, second])
    with pytest.raises(UnknownReference):
        console_store.review.export_these([first, "CON-ZZZZ-ZZZZ"], actor="pc", reason="t")


def test_a_cell_a_spreadsheet_would_run_stays_text():
    rows = list(
        csv.DictReader(
            io.StringIO(records_as_csv([{"noticed": '=HYPERLINK("x")', "how_long": "-2 weeks"}]))
        )
    )
    assert rows == [{"noticed": '\'=HYPERLINK("x")', "how_long": "'-2 weeks"}]


def test_a_database_made_before_the_triage_columns_keeps_its_reports(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    key = Fernet.generate_key()
    old = ConcernStore(engine, key)
    old.create_schema()
    reference = old.submissions.submit(CONCERN).reference
    with engine.begin() as connection:
        for column in ("priority", "outcome", "triaged_at", "triage_sealed"):
            connection.execute(sa.text(f"ALTER TABLE concerns DROP COLUMN {column}"))
    again = ConcernStore(engine, key)
    again.create_schema()
    again.triage.decide(reference, priority="soon", outcome=None, actor="pc", reason="t")
    assert again.review.read(reference, actor="pc", reason="t")["noticed"] == CONCERN["noticed"]
