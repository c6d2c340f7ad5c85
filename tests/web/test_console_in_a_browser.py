"""The console in Chromium with script switched off: an officer's work end to end, by keyboard
where it matters, and axe on every page.

axe is a script, so it cannot run in a page with script off: each page is
checked as it stands (its DOM, with the service's own stylesheet) in a second
page that has script, which never talks to the console itself.
"""

from __future__ import annotations

import csv
import io
import json
import time

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bot.settings import Settings
from tests.assistant import PROJECT_DIR, start_web_service
from tests.console import CHOSEN_PASSWORD, new_account
from tests.console import INVENTED_CONCERN as CONCERN

RESULTS = PROJECT_DIR / "results"


@pytest.fixture(scope="module")
def staff(tmp_path_factory):
    yield from start_web_service(tmp_path_factory.mktemp("console-browser"), "staff")


@pytest.fixture(scope="module")
def store(staff):
    return Settings.from_env({"CONCERNS_DATA_DIR": str(staff.data_dir)}).open_store()


@pytest.fixture
def page(browser):
    """A page with script switched off: the console must work without it."""
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def checker(browser):
    """The page axe runs in."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def no_violations(checker):
    def check(page: Page) -> None:
        """Runs axe on the page as the officer sees it now."""
        page.wait_for_load_state()
        html, url = page.content(), page.url
        shown = lambda route: route.fulfill(  # noqa: E731
            status=200, body=html, content_type="text/html; charset=utf-8"
        )
        checker.route(lambda address: address == url, shown)
        checker.goto(url)
        checker.unroute_all()
        results = Axe().run(checker)
        assert results.response["violations"] == [], (url, results.generate_report())

    return check


def sign_in_by_keyboard(page: Page, url: str, account, password: str = "") -> None:
    """Signs in with the keyboard alone: the name field has focus, Tab moves on, Enter sends."""
    page.goto(f"{url}/console/sign-in")
    expect(page.get_by_label("Account name")).to_be_focused()
    page.keyboard.type(account.name)
    page.keyboard.press("Tab")
    page.keyboard.type(password or account.password)
    page.keyboard.press("Tab")
    page.keyboard.type(pyotp.TOTP(account.totp_secret).now())
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose_password(page: Page, account) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    page.get_by_label("Current password").fill(account.password)
    page.get_by_label("New password (at least").fill(CHOSEN_PASSWORD)
    page.get_by_label("New password again").fill(CHOSEN_PASSWORD)
    page.get_by_role("button", name="Change password").click()


def open_report(page: Page, url: str, reference: str) -> None:
    page.goto(f"{url}/console/concerns/{reference}")
    page.get_by_label("Why you are opening it").fill("erasure request")
    page.get_by_role("button", name="Open the report").click()


def test_an_officer_signs_in_reads_triages_exports_and_signs_out(
    page: Page, staff, store, no_violations
):
    reference = store.submissions.submit(CONCERN).reference
    account = new_account(store)

    page.goto(f"{staff.url}/console/sign-in")
    no_violations(page)
    sign_in_by_keyboard(page, staff.url, account)
    no_violations(page)
    choose_password(page, account)

    expect(page.get_by_role("status")).to_have_text("Your password has been changed.")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("curtains kept closed")
    expect(row).not_to_contain_text(CONCERN["noticed"])
    no_violations(page)

    row.get_by_role("link", name=reference).click()
    expect(page.get_by_text(CONCERN["noticed"])).to_have_count(0)
    no_violations(page)
    page.get_by_label("Why you are opening it").fill("assessing risk")
    page.get_by_role("button", name="Open the report").click()

    expect(page.get_by_text(CONCERN["noticed"])).to_be_visible()
    expect(page.get_by_role("heading", name="The pattern")).to_be_visible()
    no_violations(page)
    page.screenshot(path=str(RESULTS / "console-concern.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Save the triage")).to_be_hidden()
    expect(page.get_by_text("Case file copy")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.get_by_role("heading", name="Erase this report")).to_have_count(0)
    # The same form posted from this browser without its token is refused.
    forged = page.request.post(
        f"{staff.url}/console/concerns/{reference}/triage",
        form={"reason": "forged", "priority": "routine", "outcome": "no_further_action"},
    )
    assert forged.status == 403 and "This form has expired" in forged.text()
    page.get_by_label("Urgent").check()
    page.get_by_label("Welfare check requested").check()
    page.get_by_role("button", name="Save the triage").click()

    expect(page.get_by_role("status")).to_contain_text(f"Triage saved for {reference}")
    page.get_by_role("link", name="Closed").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Welfare check requested")
    row.get_by_role("checkbox").check()
    page.get_by_label("Why (written to the audit log)").fill("to the case system")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export as CSV").click()
    [exported] = list(csv.DictReader(io.StringIO(open(download.value.path()).read())))
    assert (exported["reference"], exported["noticed"]) == (reference, CONCERN["noticed"])
    assert json.loads(exported["warning_signs"]) == CONCERN["warning_signs"]

    # An officer is not shown a supervisor's pages, and cannot reach them.
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    page.goto(f"{staff.url}/console/audit")
    expect(page.get_by_role("alert")).to_have_text("Only a supervisor can do this.")
    no_violations(page)

    page.goto(f"{staff.url}/console/concerns")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.goto(f"{staff.url}/console/concerns")
    expect(page).to_have_url(f"{staff.url}/console/sign-in")

    done = [
        (row["action"], row["reason"])
        for row in store.audit.audit_trail()
        if row["actor"] == account.name and row["reference"] == reference
    ]
    assert done == [
        ("read", "assessing risk"),
        ("triage", "priority urgent, outcome welfare_check: assessing risk"),
        ("export", "export for the case system: to the case system"),
    ]


def test_five_wrong_passwords_lock_the_account(page: Page, staff, store):
    account = new_account(store)
    for _ in range(5):
        sign_in_by_keyboard(page, staff.url, account, password="not the password at all")
        expect(page.get_by_role("alert")).to_contain_text("locked for 15 minutes")
    sign_in_by_keyboard(page, staff.url, account)
    expect(page.get_by_role("alert")).to_contain_text("is not right, or the account is locked")
    assert [a for a in store.officers.accounts() if a["name"] == account.name][0]["locked"]
    mine = [row["action"] for row in store.audit.audit_trail() if row["actor"] == account.name]
    assert mine.count("account_locked") == 1 and mine[-1] == "sign_in_refused"


def test_an_idle_session_ends(page: Page, tmp_path_factory):
    # A service whose idle limit is 2 seconds; production's is 15 minutes.
    for staff in start_web_service(
        tmp_path_factory.mktemp("console-idle"), "staff", CONSOLE_IDLE_SECONDS="2"
    ):
        store = Settings.from_env({"CONCERNS_DATA_DIR": str(staff.data_dir)}).open_store()
        account = new_account(store)
        sign_in_by_keyboard(page, staff.url, account)
        choose_password(page, account)
        expect(page.get_by_role("heading", level=1)).to_have_text("Concerns")
        time.sleep(3)
        page.get_by_role("link", name="Concerns", exact=True).click()
        expect(page).to_have_url(f"{staff.url}/console/sign-in?ended=1")
        expect(page.get_by_role("status")).to_contain_text("signed out after a while")
        trail = [row for row in store.audit.audit_trail() if row["actor"] == account.name]
        assert (trail[-1]["action"], trail[-1]["reason"]) == (
            "sign_out",
            "signed out: idle or too long",
        )


def test_a_supervisors_pages_and_erasure(page: Page, staff, store, no_violations):
    reference = store.submissions.submit(CONCERN).reference
    account = new_account(store, "supervisor")
    sign_in_by_keyboard(page, staff.url, account)
    choose_password(page, account)

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    no_violations(page)

    page.get_by_role("link", name="Accounts").click()
    no_violations(page)
    page.get_by_label("Account name").fill("pc.browser.invented")
    page.get_by_label("Why (written to the audit log)").fill("new starter")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("img", name="QR code for pc.browser.invented")).to_be_visible()
    no_violations(page)
    page.screenshot(path=str(RESULTS / "console-new-account.png"), full_page=True)

    open_report(page, staff.url, reference)
    no_violations(page)
    page.get_by_label("Type the reference").fill("not it")
    page.get_by_label("Why (written to the audit log)").fill("asked to")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was erased")
    no_violations(page)

    # Nothing a page showed is kept by the browser (no-store): it is opened again.
    open_report(page, staff.url, reference)
    page.get_by_label("Type the reference").fill(reference)
    page.get_by_label("Why (written to the audit log)").fill("asked to")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_role("status")).to_have_text(f"{reference} was erased.")
    page.screenshot(path=str(RESULTS / "console-concerns.png"), full_page=True)
    erased = [r for r in store.audit.audit_trail() if r["action"] == "erase"]
    assert (erased[-1]["actor"], erased[-1]["reference"]) == (account.name, reference)
