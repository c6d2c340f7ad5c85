"""The concern team's API: tokens, reasons, audited access and audited refusals."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from bot.insight.daily import add_counts, ensure_table
from bot.insight.page import content_security_policy
from bot.settings import Settings
from bot.web.conversation_ids import new_conversation_id
from tests.assistant import start_web_service
from tests.web.test_public import call


@pytest.fixture(scope="module")
def staff(tmp_path_factory):
    yield from start_web_service(tmp_path_factory.mktemp("staff"), "staff")


@pytest.fixture(scope="module")
def store(staff):
    return Settings.from_env({"CONCERNS_DATA_DIR": str(staff.data_dir)}).open_store()


@pytest.fixture(scope="module")
def token(store):
    return store.accounts.issue_staff_token("officer.invented", actor="admin", reason="test set-up")


@pytest.fixture(scope="module")
def reference(store):
    return store.submissions.submit(
        {"noticed": "an invented concern", "location": "Invented Road"}
    ).reference


def get(staff, path, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return call(f"{staff.url}{path}", method=kwargs.pop("method", "GET"), headers=headers, **kwargs)


def last_audit(store):
    return store.audit.audit_trail()[-1]


def test_an_officer_lists_reads_and_marks_a_report_and_each_is_audited(
    staff, store, token, reference
):
    status, _, listed = get(staff, "/staff/concerns?reason=triage", token)
    assert status == 200 and reference in [row["reference"] for row in listed]
    assert "noticed" not in listed[0], "the list carries no content"
    assert last_audit(store)["action"] == "list"

    status, _, report = get(staff, f"/staff/concerns/{reference}?reason=assessing+risk", token)
    assert status == 200 and report["noticed"] == "an invented concern"
    entry = last_audit(store)
    assert (entry["actor"], entry["action"], entry["reference"], entry["reason"]) == (
        "officer.invented",
        "read",
        reference,
        "assessing risk",
    )

    status, _, body = get(
        staff,
        f"/staff/concerns/{reference}/reviewed",
        token,
        method="POST",
        body={"reason": "passed to the team"},
    )
    assert status == 200 and body["status"] == "reviewed"
    assert last_audit(store)["action"] == "mark_reviewed"
    assert reference not in [
        row["reference"] for row in store.review.list_new(actor="t", reason="t")
    ]


@pytest.mark.parametrize(
    ("token", "status", "actor"),
    [
        (None, 401, "anonymous"),
        ("wct_not-a-real-token", 401, "unknown token"),
        (new_conversation_id(b"any secret"), 403, "public session"),
    ],
    ids=["no token", "wrong token", "public session"],
)
def test_refused_access_is_refused_and_audited(staff, store, token, status, actor):
    got, _, body = get(staff, "/staff/concerns?reason=curious", token)
    assert got == status and body["error"]
    entry = last_audit(store)
    assert (entry["actor"], entry["action"]) == (actor, "api_refused")
    assert token is None or token not in entry["reason"], "a token is never written down"


def test_a_revoked_token_no_longer_works(staff, store):
    token = store.accounts.issue_staff_token("leaver.invented", actor="admin", reason="test")
    assert get(staff, "/staff/concerns?reason=x", token)[0] == 200
    store.accounts.revoke_staff_tokens("leaver.invented", actor="admin", reason="left the team")
    assert get(staff, "/staff/concerns?reason=x", token)[0] == 401


def test_a_reason_is_required(staff, token):
    status, _, body = get(staff, "/staff/concerns", token)
    assert status == 400 and "reason" in body["error"]


def test_an_unknown_reference_is_404_and_audited(staff, store, token):
    status, _, _ = get(staff, "/staff/concerns/CON-ZZZZ-ZZZZ?reason=checking", token)
    assert status == 404
    assert last_audit(store)["action"] == "read_refused"


def test_tokens_are_stored_only_as_hashes(staff, store, token):
    raw = (staff.data_dir / "concerns.db").read_bytes()
    assert token.encode() not in raw


# The comms team's insight, for an officer's token: counts only, small ones hidden.


@pytest.fixture(scope="module")
def daily_counts(staff):
    engine = sa.create_engine(f"sqlite:///{staff.data_dir / 'conversations.db'}")
    today = dt.datetime.now(dt.timezone.utc).date()
    with engine.begin() as connection:
        ensure_table(connection)
        add_counts(connection, today, Counter({("conversations", "started"): 9}))
        add_counts(connection, today, Counter({("ended", "report_sent"): 2}))
        add_counts(connection, today, Counter({("sign", "withdrawn"): 6}))


def test_the_insight_counts_hide_every_number_under_five(staff, token, daily_counts):
    status, _, figures = get(staff, "/staff/insight/counts", token)
    assert status == 200
    assert figures["totals"]["conversations"] == {"started": 9}
    assert figures["totals"]["ended"] == {"report_sent": "fewer than 5"}
    assert figures["totals"]["sign"] == {"withdrawn": 6}
    assert all(row["count"] == "fewer than 5" or row["count"] >= 5 for row in figures["days"])


def test_the_insight_page_is_served_with_its_own_strict_policy(staff, token, daily_counts):
    status, headers, page = get(staff, "/staff/insight", token)
    assert status == 200 and "Conversations started: <strong>9</strong>" in page
    assert '<td>a report was sent</td><td class="n">fewer than 5</td>' in page
    assert headers["Content-Security-Policy"] == content_security_policy(page)


@pytest.mark.parametrize("path", ["/staff/insight", "/staff/insight/counts"])
def test_the_insight_needs_an_officers_token(staff, path, daily_counts):
    assert get(staff, path)[0] == 401
    assert get(staff, path, "wct_not-a-real-token")[0] == 401
    assert get(staff, path, new_conversation_id(b"any secret"))[0] == 403
