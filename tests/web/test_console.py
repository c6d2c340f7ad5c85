"""The console over HTTP: who may do what, the forms' protections, and the audit log read back.

The browser tests (test_console_in_a_browser.py) walk an officer's work in
Chromium; these check each rule on its own, as plain requests.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sanic import response

from bot.settings import Settings
from bot.web.console.pages import idle_limit_from_env, session_cookie_name, set_cookie
from tests.assistant import start_web_service
from tests.console import INVENTED_CONCERN as CONCERN
from tests.console import Console, new_account


@pytest.fixture(scope="module")
def staff(tmp_path_factory):
    yield from start_web_service(tmp_path_factory.mktemp("console"), "staff")


@pytest.fixture(scope="module")
def store(staff):
    return Settings.from_env({"CONCERNS_DATA_DIR": str(staff.data_dir)}).open_store()


@pytest.fixture
def officer(staff, store):
    console = Console(staff.url)
    console.sign_in_for_work(new_account(store, "officer"))
    return console


@pytest.fixture
def supervisor(staff, store):
    console = Console(staff.url)
    console.account = new_account(store, "supervisor")
    console.sign_in_for_work(console.account)
    return console


def trail_since(store, count):
    return store.audit.audit_trail()[count:]


def test_every_console_page_needs_a_signed_in_officer(staff):
    anonymous = Console(staff.url)
    for path in ("/console/concerns", "/console/concerns/CON-AAAA-AAAA", "/console/audit",
                 "/console/accounts", "/console/password"):  # fmt: skip
        answer = anonymous.get(path, allow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/sign-in"), path
    answer = anonymous.post("/console/export", {"reference": "x"}, allow_redirects=False)
    assert answer.status_code == 303


def test_the_one_time_password_must_be_replaced_before_any_work(staff, store):
    console = Console(staff.url)
    account = new_account(store)
    assert console.sign_in(account).url.endswith("/console/password")
    answer = console.get("/console/concerns")
    assert answer.url.endswith("/console/password"), "every page leads to the password first"


def test_the_session_cookie_is_httponly_and_same_site_strict(staff, store):
    console = Console(staff.url)
    answer = console.sign_in(new_account(store), None)
    cookie = answer.history[0].headers["set-cookie"]
    assert f"{session_cookie_name()}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie


def test_outside_development_the_cookie_is_secure_and_host_only(monkeypatch):
    monkeypatch.setenv("DEPLOYMENT", "production")
    page = response.html("")
    set_cookie(page, session_cookie_name(), "value")
    header = page.cookies[session_cookie_name()].encode("utf-8").decode()
    assert session_cookie_name() == "__Host-console"
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Strict" in header


def test_a_form_without_its_csrf_token_is_refused_and_audited(officer, store):
    reference = store.submissions.submit(CONCERN).reference
    before = len(store.audit.audit_trail())
    for token in (None, "", "not-the-token"):
        data = {"reason": "assessing", **({"csrf_token": token} if token is not None else {})}
        answer = officer.post(f"/console/concerns/{reference}", data, csrf=False)
        assert answer.status_code == 403 and CONCERN["noticed"] not in answer.text
    audited = trail_since(store, before)
    assert [row["action"] for row in audited] == ["console_refused"] * 3
    assert "read" not in [row["action"] for row in audited]


def test_a_sign_in_form_without_its_own_token_is_refused(staff, store):
    console = Console(staff.url)
    account = new_account(store)
    answer = console.post(
        "/console/sign-in",
        {"form_token": "made-up", "name": account.name, "password": account.password, "code": "1"},
        csrf=False,
    )
    assert "This form has expired" in answer.text
    assert session_cookie_name() not in console.http.cookies


def test_opening_a_report_asks_why_and_shows_nothing_without_a_reason(officer, store):
    reference = store.submissions.submit(CONCERN).reference
    asked = officer.get(f"/console/concerns/{reference}")
    assert asked.status_code == 200 and CONCERN["noticed"] not in asked.text
    before = len(store.audit.audit_trail())
    answer = officer.post(f"/console/concerns/{reference}", {"reason": "   "})
    assert answer.status_code == 400 and CONCERN["noticed"] not in answer.text
    assert trail_since(store, before) == []


def test_the_list_shows_no_words_the_reporter_typed(officer, store):
    store.submissions.submit(CONCERN)
    listed = officer.get("/console/concerns?state=all").text
    assert "curtains kept closed" in listed and "A neighbour" in listed
    for typed in (
        CONCERN["noticed"],
        CONCERN["how_long"],
        CONCERN["location"],
        CONCERN["contact"],
    ):
        assert typed not in listed


def test_an_officer_cannot_see_the_audit_log_or_accounts_or_erase(officer, store):
    reference = store.submissions.submit(CONCERN).reference
    before = len(store.audit.audit_trail())
    assert officer.get("/console/audit").status_code == 403
    assert officer.get("/console/accounts").status_code == 403
    answer = officer.post(
        f"/console/concerns/{reference}/erase", {"confirm": reference, "reason": "trying"}
    )
    assert answer.status_code == 403
    assert [row["action"] for row in trail_since(store, before)] == ["console_refused"] * 3
    assert store.review.read(reference, actor="check", reason="still there")


def test_every_read_triage_export_and_erasure_is_audited_with_officer_reason_and_time(
    supervisor, store
):
    reference = store.submissions.submit(CONCERN).reference
    before, started = len(store.audit.audit_trail()), dt.datetime.utcnow()
    opened = supervisor.post(f"/console/concerns/{reference}", {"reason": "assessing risk"})
    assert opened.status_code == 200 and CONCERN["noticed"] in opened.text
    supervisor.post(
        f"/console/concerns/{reference}/triage",
        {"reason": "assessing risk", "priority": "urgent", "outcome": "welfare_check"},
    )
    exported = supervisor.post(
        "/console/export",
        {"reference": reference, "reason": "to the case system", "format": "json"},
    )
    assert exported.json()[0]["noticed"] == CONCERN["noticed"]
    supervisor.post(
        f"/console/concerns/{reference}/erase", {"confirm": reference, "reason": "asked to"}
    )
    rows = [row for row in trail_since(store, before) if row["reference"] == reference]
    assert [(row["action"], row["actor"]) for row in rows] == [
        ("read", supervisor.account.name),
        ("triage", supervisor.account.name),
        ("export", supervisor.account.name),
        ("erase", supervisor.account.name),
    ]
    assert [row["reason"] for row in rows] == [
        "assessing risk",
        "priority urgent, outcome welfare_check: assessing risk",
        "export for the case system: to the case system",
        "asked to",
    ]
    assert all(
        started - dt.timedelta(seconds=5) <= row["at"] <= dt.datetime.utcnow() for row in rows
    )


def test_erasing_needs_the_reference_typed_exactly(supervisor, store):
    reference = store.submissions.submit(CONCERN).reference
    for typed in ("", reference.lower(), reference[:-1], "yes"):
        answer = supervisor.post(
            f"/console/concerns/{reference}/erase", {"confirm": typed, "reason": "asked to"}
        )
        assert answer.status_code == 400
    assert store.review.read(reference, actor="check", reason="still there")


def test_the_reporters_follow_up_sees_only_reviewed_after_triage(officer, store):
    receipt = store.submissions.submit(CONCERN)
    officer.post(
        f"/console/concerns/{receipt.reference}/triage",
        {"reason": "t", "priority": "routine", "outcome": "no_further_action", "note": "invented"},
    )
    seen = store.submissions.follow_up(receipt.reference, receipt.follow_up_phrase)
    assert seen == {"reference": receipt.reference, "status": "reviewed"}


def test_a_supervisor_makes_an_account_shown_once_and_it_signs_in(supervisor, staff, store):
    made = supervisor.post(
        "/console/accounts", {"name": "pc.new.invented", "role": "officer", "reason": "new starter"}
    )
    assert made.status_code == 200 and "<svg" in made.text
    password = made.text.split('id="one-time-password">')[1].split("<")[0]
    secret = made.text.split('id="authenticator-secret">')[1].split("<")[0]
    newcomer = Console(staff.url)
    account = type("Account", (), {"name": "pc.new.invented", "password": password,
                                   "totp_secret": secret})  # fmt: skip
    newcomer.sign_in_for_work(account)
    assert newcomer.get("/console/concerns").status_code == 200
    assert password not in supervisor.get("/console/accounts").text


def test_signing_out_ends_the_session_for_good(staff, store):
    console = Console(staff.url)
    console.sign_in_for_work(new_account(store))
    cookie = console.http.cookies.get(session_cookie_name())
    assert console.post("/console/sign-out", {}).url.endswith("/console/sign-in?signed_out=1")
    replay = Console(staff.url)
    replay.http.cookies.set(session_cookie_name(), cookie)
    answer = replay.get("/console/concerns", allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/sign-in")


def test_the_public_service_serves_no_console_path(public_web):
    outsider = Console(public_web.url)
    for path in ("/console", "/console/", "/console/sign-in", "/console/concerns",
                 "/console/static/console.css", "/console/audit"):  # fmt: skip
        assert outsider.get(path).status_code == 404, path
    assert outsider.post("/console/sign-in", {"name": "x"}, csrf=False).status_code == 404


def test_an_unknown_reference_is_a_plain_page_and_the_try_is_audited(officer, store):
    answer = officer.post("/console/concerns/CON-ZZZZ-ZZZZ", {"reason": "checking"})
    assert answer.status_code == 404 and "No report has that reference." in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    last = store.audit.audit_trail()[-1]
    assert (last["action"], last["reference"]) == ("read_refused", "CON-ZZZZ-ZZZZ")


def test_the_team_sees_which_language_a_report_is_in(officer, store):
    polish = store.submissions.submit({**CONCERN, "language": "pl"}).reference
    older = store.submissions.submit(CONCERN).reference  # made before reports were tagged
    listed = officer.get("/console/concerns?state=all").text
    row = {
        reference: listed[listed.index(reference) :].split("</tr>")[0]
        for reference in (polish, older)
    }
    assert "<td>Polish</td>" in row[polish] and "<td>English</td>" in row[older]
    opened = officer.post(f"/console/concerns/{polish}", {"reason": "triage"}).text
    assert "Polish: their words are kept as they wrote them" in opened
    assert (
        "arrange an interpreter"
        not in officer.post(f"/console/concerns/{older}", {"reason": "triage"}).text
    )
    exported = officer.post(
        "/console/export", {"reference": [polish, older], "reason": "case system", "format": "json"}
    ).json()
    assert {record["reference"]: record["language"] for record in exported} == {
        polish: "pl",
        older: "en",
    }


def test_every_ticked_report_is_exported(officer, store):
    references = [store.submissions.submit(CONCERN).reference for _ in range(20)]
    exported = officer.post(
        "/console/export", {"reference": references, "reason": "case system", "format": "json"}
    )
    assert sorted(record["reference"] for record in exported.json()) == sorted(references)


@pytest.mark.parametrize(
    "value, seconds",
    [("", 900), ("abc", 900), ("nan", 900), ("inf", 900), ("-5", 1), ("2", 2), ("1e9", 900)],
)
def test_the_idle_limit_can_only_be_shortened(monkeypatch, value, seconds):
    monkeypatch.setenv("CONSOLE_IDLE_SECONDS", value)
    assert idle_limit_from_env() == dt.timedelta(seconds=seconds)
