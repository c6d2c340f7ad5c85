"""The console's triage: the list without anyone's words, decisions, and what they need."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage.concerns.triage import TriageProblem
from tests.console import INVENTED_CONCERN as CONCERN


def test_the_list_shows_what_was_chosen_and_no_words_anyone_wrote(console_store):
    first = console_store.submissions.submit(CONCERN).reference
    second = console_store.submissions.submit({**CONCERN, "contact_by": "anonymous"}).reference
    rows = console_store.triage.overview(state=None, actor="pc.invented", reason="the list")
    assert [row["reference"] for row in rows] == [second, first], "newest first"
    assert rows[1]["warning_signs"] == CONCERN["warning_signs"]
    assert (rows[1]["may_contact"], rows[0]["may_contact"]) == (True, False)
    assert rows[1]["relationship"] == "neighbour" and rows[1]["state"] == "new"
    listed = repr(rows)
    for typed in (
        CONCERN["noticed"],
        CONCERN["how_long"],
        CONCERN["location"],
        CONCERN["contact"],
    ):
        assert typed not in listed
    entry = console_store.audit.audit_trail()[-1]
    assert (entry["actor"], entry["action"], entry["reason"]) == ("pc.invented", "list", "the list")


def test_the_list_says_which_language_each_report_is_in(console_store):
    console_store.submissions.submit(CONCERN)  # before reports were tagged: English
    console_store.submissions.submit({**CONCERN, "language": "pl"})
    rows = console_store.triage.overview(state=None, actor="pc.invented", reason="the list")
    assert [row["language"] for row in rows] == ["pl", "en"]


def test_triage_moves_a_concern_from_new_to_open_to_closed(console_store):
    reference = console_store.submissions.submit(CONCERN).reference
    console_store.triage.decide(
        reference, priority="soon", outcome=None, actor="pc", reason="first look"
    )
    assert [
        r["reference"] for r in console_store.triage.overview(state="open", actor="pc", reason="t")
    ] == [reference]
    console_store.triage.decide(
        reference,
        priority="urgent",
        outcome="linked_to_case",
        case_number="INV/0001/26",
        actor="pc",
        reason="matched",
    )
    [row] = console_store.triage.overview(state="closed", actor="pc", reason="t")
    assert (row["priority"], row["outcome"]) == ("urgent", "linked_to_case")
    read = console_store.review.read(reference, actor="pc", reason="check")
    assert (read["status"], read["case_number"]) == ("reviewed", "INV/0001/26")
    triaged = [e for e in console_store.audit.audit_trail() if e["action"] == "triage"]
    assert [e["reason"] for e in triaged] == [
        "priority soon, outcome still open: first look",
        "priority urgent, outcome linked_to_case: matched",
    ]


@pytest.mark.parametrize(
    "priority, outcome, case_number, note, missing",
    [
        ("", None, "", "", "priority"),
        ("high", None, "", "", "priority"),
        ("soon", "closed", "", "", "outcome"),
        ("soon", "linked_to_case", "", "", "number"),
        ("soon", "no_further_action", "", "  ", "why"),
    ],
)
def test_an_incomplete_triage_changes_nothing(
    console_store, priority, outcome, case_number, note, missing
):
    reference = console_store.submissions.submit(CONCERN).reference
    with pytest.raises(TriageProblem, match=missing):
        console_store.triage.decide(
            reference,
            priority=priority,
            outcome=outcome,
            case_number=case_number,
            note=note,
            actor="pc",
            reason="t",
        )
    assert (
        console_store.triage.overview(state="new", actor="pc", reason="t")[0]["reference"]
        == reference
    )
    assert "triage" not in [e["action"] for e in console_store.audit.audit_trail()]


def test_the_case_number_and_the_why_are_sealed(console_store, tmp_path):
    reference = console_store.submissions.submit(CONCERN).reference
    console_store.triage.decide(
        reference,
        priority="routine",
        outcome="no_further_action",
        note="invented: known to the team already, seen yesterday",
        actor="pc",
        reason="t",
    )
    assert b"seen yesterday" not in (tmp_path / "concerns.db").read_bytes()


def test_an_addition_after_the_triage_is_flagged(console_store, clock):
    receipt = console_store.submissions.submit(CONCERN)
    console_store.triage.decide(
        receipt.reference, priority="soon", outcome=None, actor="pc", reason="t"
    )
    [row] = console_store.triage.overview(state=None, actor="pc", reason="t")
    assert (row["additions"], row["added_since_triage"]) == (0, False)
    clock.now += dt.timedelta(hours=2)
    console_store.submissions.add_information(
        receipt.reference, receipt.follow_up_phrase, "invented: now the post is piling up"
    )
    [row] = console_store.triage.overview(state=None, actor="pc", reason="t")
    assert (row["additions"], row["added_since_triage"]) == (1, True)
