"""The concern team's command line does each job, audited, and fails politely."""

import csv
import io
import json

import pyotp
import pytest
from cryptography.fernet import Fernet

from bot import staff
from bot.settings import Settings

CONCERN = {"noticed": "invented: her phone is always off", "warning_signs": ["phone_off"]}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("CONCERNS_DATA_DIR", str(tmp_path))
    return Settings.from_env().open_store()


def run(capsys, *argv):
    status = staff.main(["--actor", "officer-a", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list_show_review(store, capsys):
    receipt = store.submissions.submit(CONCERN)
    status, out, _ = run(capsys, "list", "--reason", "triage")
    assert status == 0 and [r["reference"] for r in json.loads(out)] == [receipt.reference]
    status, out, _ = run(capsys, "show", receipt.reference, "--reason", "read it")
    assert json.loads(out)["noticed"] == CONCERN["noticed"]
    status, out, _ = run(capsys, "review", receipt.reference, "--reason", "done")
    assert status == 0 and store.review.list_new(actor="officer-a", reason="check") == []
    actions = [row["action"] for row in store.audit.audit_trail()]
    assert actions[:3] == ["list", "read", "mark_reviewed"]


def test_export_as_csv_for_the_case_system(store, capsys):
    receipt = store.submissions.submit(CONCERN)
    status, out, _ = run(capsys, "export", "--format", "csv", "--reason", "case system")
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and row["reference"] == receipt.reference
    assert json.loads(row["warning_signs"]) == ["phone_off"]


def test_erase_and_purge(store, capsys):
    receipt = store.submissions.submit(CONCERN)
    assert run(capsys, "erase", receipt.reference, "--reason", "asked to")[0] == 0
    status, out, _ = run(capsys, "purge")
    assert status == 0 and json.loads(out) == {
        "purged": 0,
        "retention_days": 90,
        "conversations_purged": 0,
        "conversations_counted": 0,
        "daily_counts_expired": 0,
        "console_sessions_ended": 0,
        "conversation_idle_hours": 24,
    }


def test_an_unknown_reference_gets_a_plain_answer(store, capsys):
    status, out, err = run(capsys, "show", "CON-AAAA-AAAA", "--reason", "check")
    assert status == 2 and out == ""
    assert err.strip() == "No submission has the reference CON-AAAA-AAAA."


def test_a_reason_is_required(store, capsys):
    with pytest.raises(SystemExit):
        staff.main(["list"])


def test_rotate_key_re_seals_with_the_new_key(store, capsys, monkeypatch, tmp_path):
    store.submissions.submit(CONCERN)
    old_key = (tmp_path / "concerns.key").read_bytes().decode().strip()
    monkeypatch.setenv("CONCERNS_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("CONCERNS_OLD_KEYS", old_key)
    status, out, _ = run(capsys, "rotate-key")
    assert status == 0
    assert json.loads(out) == {"re_sealed": 1, "conversation_events_re_sealed": 0}
    monkeypatch.delenv("CONCERNS_OLD_KEYS")
    status, out, _ = run(capsys, "export", "--reason", "after rotation")
    assert status == 0 and json.loads(out)[0]["noticed"] == CONCERN["noticed"]


def test_issue_and_revoke_a_staff_token(store, capsys):
    status, out, _ = run(capsys, "issue-token", "officer.invented", "--reason", "joined")
    token = json.loads(out)["token"]
    assert status == 0 and store.accounts.staff_user(token) == "officer.invented"
    status, out, _ = run(capsys, "revoke-token", "officer.invented", "--reason", "left")
    assert status == 0 and json.loads(out)["revoked"] == 1
    assert store.accounts.staff_user(token) is None


def test_a_supervisor_creates_the_first_console_account(store, capsys):
    status, out, err = run(
        capsys, "add-account", "sup.first.invented", "--role", "supervisor", "--reason", "go-live"
    )
    made = json.loads(out)
    assert status == 0 and made["role"] == "supervisor"
    # The secret and the QR code for the authenticator are shown; the QR on stderr.
    assert len(made["authenticator_secret"]) == 32 and "\u2588" in err
    token = store.credentials.sign_in(
        "sup.first.invented",
        made["one_time_password"],
        pyotp.TOTP(made["authenticator_secret"]).now(),
    )
    assert store.sessions.session(token).is_supervisor
    entry = store.audit.audit_trail()[0]
    assert (entry["actor"], entry["action"], entry["reason"]) == (
        "officer-a",
        "create_account",
        "sup.first.invented as supervisor: go-live",
    )


def test_account_commands_answer_plainly_when_they_cannot(store, capsys):
    assert run(capsys, "add-account", "pc.invented", "--reason", "new starter")[0] == 0
    status, _, err = run(capsys, "add-account", "pc.invented", "--reason", "again")
    assert status == 2 and "exists already" in err
    status, _, err = run(capsys, "unlock-account", "nobody.invented", "--reason", "t")
    assert status == 2 and "no account" in err
    assert run(capsys, "disable-account", "pc.invented", "--reason", "left")[0] == 0
    assert store.officers.accounts()[0]["disabled"]
