"""The concern store keeps submissions encrypted, loses nothing, and audits staff access."""

import datetime as dt
import multiprocessing
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot.settings import Settings
from bot.storage.concerns import (
    ConcernStore,
    ConcernStoreError,
    ConcernStoreUnavailable,
    FollowUpRefused,
    UnknownReference,
    load_or_create_key,
)
from bot.storage.concerns.records import utcnow
from bot.storage.concerns.references import hash_phrase, phrase_matches
from bot.storage.concerns.schema import additions, concerns, metadata
from bot.storage.concerns.submissions import FOLLOW_UP_FAILURES_ALLOWED, FOLLOW_UP_WINDOW
from tests.services import POSTGRES, service_url

# Invented content, distinctive enough to search the raw database file for.
CONCERN = {
    "noticed": "the curtains at number forty-two stay closed, invented example",
    "warning_signs": ["curtains_closed", "phone_off"],
    "relationship": "neighbour",
    "location": "Invented Street, Exampletown",
    "contact": "reporter@example.invalid",
}
REFERENCE = re.compile(r"^CON-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


POSTGRES_URL = os.environ.get("CONCERNS_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    """Returns settings for each database the store must work on."""
    environ = {"CONCERNS_DATA_DIR": str(tmp_path)}
    if request.param == "postgresql":
        service_url(POSTGRES, "these storage tests on PostgreSQL")
        environ["CONCERNS_DATABASE_URL"] = POSTGRES_URL
        metadata.drop_all(sa.create_engine(POSTGRES_URL))
    return Settings.from_env(environ)


@pytest.fixture
def store(settings):
    store = settings.open_store()
    yield store
    store.engine.dispose()


def test_a_submission_gets_an_unambiguous_reference_and_a_phrase(store):
    receipt = store.submissions.submit(CONCERN)
    assert REFERENCE.match(receipt.reference)
    assert re.match(r"^[a-z]+-[a-z]+-[a-z]+-\d\d$", receipt.follow_up_phrase)


SECRETS = ("forty-two", "Invented Street", "reporter@example.invalid", "curtains")


def test_the_stored_row_holds_no_free_text_or_contact_details(store):
    receipt = store.submissions.submit(CONCERN)
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(concerns)).one()
    raw = repr(tuple(row)).encode() + bytes(row.sealed)
    for secret in (*SECRETS, receipt.follow_up_phrase):
        assert secret.encode() not in raw
    assert row.reference == receipt.reference


def test_the_sqlite_file_holds_no_free_text_or_contact_details(tmp_path):
    store = Settings.from_env({"CONCERNS_DATA_DIR": str(tmp_path)}).open_store()
    receipt = store.submissions.submit(CONCERN)
    raw = (tmp_path / "concerns.db").read_bytes()
    for secret in (*SECRETS, receipt.follow_up_phrase):
        assert secret.encode() not in raw
    assert receipt.reference.encode() in raw


def test_the_key_file_is_created_for_the_owner_only(store, settings):
    assert settings.key is None
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600


def _key_when_all_are_ready(key_file, barrier, keys) -> None:
    barrier.wait()
    keys.put(load_or_create_key(key_file))


def test_processes_starting_together_share_one_whole_key(tmp_path):
    # The web service's two workers, Rasa and the action server may all find
    # no key at once. Each start is a race; twenty of them, four at a time.
    fork = multiprocessing.get_context("fork")
    for start in range(20):
        key_file, barrier, keys = tmp_path / f"key-{start}", fork.Barrier(4), fork.Queue()
        racers = [
            fork.Process(target=_key_when_all_are_ready, args=(key_file, barrier, keys))
            for _ in range(4)
        ]
        for racer in racers:
            racer.start()
        found = {keys.get(timeout=30) for _ in racers}
        for racer in racers:
            racer.join()
        assert found == {key_file.read_bytes()}
        Fernet(key_file.read_bytes())
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"key-{start}" for start in range(20)
    )


def test_an_empty_key_file_is_refused_not_used(tmp_path):
    (tmp_path / "key").write_bytes(b"\n")
    with pytest.raises(ValueError, match="empty"):
        load_or_create_key(tmp_path / "key")


def test_staff_read_the_content_back_decrypted(store):
    receipt = store.submissions.submit(CONCERN)
    record = store.review.read(receipt.reference, actor="officer-a", reason="triage")
    assert {key: record[key] for key in CONCERN} == CONCERN
    assert record["status"] == "received"


def test_the_follow_up_phrase_is_kept_only_as_a_slow_hash():
    stored = hash_phrase("otter-maple-river-42")
    assert stored.startswith("scrypt$") and "otter" not in stored
    assert phrase_matches("Otter Maple River 42", stored)
    assert not phrase_matches("otter-maple-river-43", stored)
    assert not phrase_matches("otter-maple-river-42", "not a hash")


def test_a_failed_commit_gives_no_reference_and_stores_nothing(store):
    def refuse_commit(connection):
        raise RuntimeError("disk full (simulated)")

    sa.event.listen(store.engine, "commit", refuse_commit)
    with pytest.raises(Exception, match="disk full"):
        store.submissions.submit(CONCERN)
    sa.event.remove(store.engine, "commit", refuse_commit)
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(concerns)).scalar() == 0


def test_an_unreachable_database_is_reported_and_a_retry_works(store, tmp_path):
    working_engine = store.engine
    # A port nothing listens on, on loopback: the connection is refused at once.
    store.records.engine = sa.create_engine("postgresql://nobody@127.0.0.1:9/none")
    with pytest.raises(ConcernStoreUnavailable):
        store.submissions.submit(CONCERN)
    store.records.engine = working_engine
    receipt = store.submissions.submit(CONCERN)
    assert store.review.read(receipt.reference, actor="officer-a", reason="retry check")


def test_fifty_submissions_at_once_all_land_with_distinct_references(store):
    with ThreadPoolExecutor(max_workers=50) as pool:
        receipts = list(pool.map(lambda _: store.submissions.submit(CONCERN), range(50)))
    references = {receipt.reference for receipt in receipts}
    assert len(references) == 50
    listed = store.review.list_new(actor="officer-a", reason="count")
    assert {row["reference"] for row in listed} == references


def test_every_staff_access_is_audited(store):
    receipt = store.submissions.submit(CONCERN)
    store.review.list_new(actor="officer-a", reason="morning triage")
    store.review.read(receipt.reference, actor="officer-b", reason="case 1")
    store.review.export(actor="officer-b", reason="case system")
    store.review.mark_reviewed(receipt.reference, actor="officer-b", reason="done")
    store.review.erase(receipt.reference, actor="officer-c", reason="request to erase")
    trail = [(row["actor"], row["action"], row["reference"]) for row in store.audit.audit_trail()]
    assert trail == [
        ("officer-a", "list", None),
        ("officer-b", "read", receipt.reference),
        ("officer-b", "export", None),
        ("officer-b", "mark_reviewed", receipt.reference),
        ("officer-c", "erase", receipt.reference),
    ]
    assert all(row["at"] and row["reason"] for row in store.audit.audit_trail())


def test_reviewed_submissions_leave_the_new_list(store):
    first, second = store.submissions.submit(CONCERN), store.submissions.submit(CONCERN)
    store.review.mark_reviewed(first.reference, actor="officer-a", reason="done")
    listed = store.review.list_new(actor="officer-a", reason="triage")
    assert [row["reference"] for row in listed] == [second.reference]


@pytest.mark.parametrize("action", ["read", "mark_reviewed", "erase"])
def test_an_unknown_reference_is_refused(store, action):
    with pytest.raises(UnknownReference):
        getattr(store.review, action)("CON-AAAA-AAAA", actor="officer-a", reason="check")


def test_purge_removes_only_submissions_past_retention(store):
    now = dt.datetime(2026, 11, 24, 12, 0)
    store.records.clock = lambda: now - dt.timedelta(days=91)
    old = store.submissions.submit(CONCERN)
    store.records.clock = lambda: now - dt.timedelta(days=89)
    recent = store.submissions.submit(CONCERN)
    store.records.clock = lambda: now
    assert store.review.purge_expired(retention_days=90, actor="retention-job") == 1
    with pytest.raises(UnknownReference):
        store.review.read(old.reference, actor="officer-a", reason="check")
    assert store.review.read(recent.reference, actor="officer-a", reason="check")
    purge = [row for row in store.audit.audit_trail() if row["action"] == "purge"]
    assert purge[0]["actor"] == "retention-job" and "1 removed" in purge[0]["reason"]


def test_a_store_opened_with_another_key_cannot_read_old_submissions(store, tmp_path):
    receipt = store.submissions.submit(CONCERN)
    other = ConcernStore(store.engine, Fernet.generate_key())
    with pytest.raises(ConcernStoreError, match="cannot be decrypted"):
        other.review.read(receipt.reference, actor="officer-a", reason="check")


def test_the_person_who_submitted_can_follow_up_and_add_information(store):
    receipt = store.submissions.submit(CONCERN)
    typed = receipt.reference.lower().replace("-", " ")
    assert store.submissions.follow_up(typed, receipt.follow_up_phrase.upper()) == {
        "reference": receipt.reference,
        "status": "received",
    }
    store.submissions.add_information(
        receipt.reference, receipt.follow_up_phrase, "invented: lights off too"
    )
    record = store.review.read(receipt.reference, actor="officer-a", reason="check")
    assert [a["text"] for a in record["additions"]] == ["invented: lights off too"]


def test_a_wrong_reference_and_a_wrong_phrase_are_refused_the_same_way(store):
    receipt = store.submissions.submit(CONCERN)
    with pytest.raises(FollowUpRefused) as wrong_phrase:
        store.submissions.follow_up(receipt.reference, "otter-maple-river-42")
    with pytest.raises(FollowUpRefused) as wrong_reference:
        store.submissions.follow_up("CON-AAAA-AAAA", receipt.follow_up_phrase)
    assert str(wrong_phrase.value) == str(wrong_reference.value)
    assert type(wrong_phrase.value) is type(wrong_reference.value)


def test_repeated_wrong_tries_are_throttled_even_for_the_right_phrase(store):
    receipt = store.submissions.submit(CONCERN)
    for _ in range(FOLLOW_UP_FAILURES_ALLOWED):
        with pytest.raises(FollowUpRefused):
            store.submissions.follow_up(receipt.reference, "wrong-words-here-10")
    with pytest.raises(FollowUpRefused):
        store.submissions.follow_up(receipt.reference, receipt.follow_up_phrase)
    later = utcnow() + FOLLOW_UP_WINDOW + dt.timedelta(seconds=1)
    store.records.clock = lambda: later
    assert (
        store.submissions.follow_up(receipt.reference, receipt.follow_up_phrase)["status"]
        == "received"
    )


def test_a_staff_try_on_an_unknown_reference_is_audited(store):
    with pytest.raises(UnknownReference):
        store.review.read("CON-AAAA-AAAA", actor="officer-z", reason="curious")
    [row] = store.audit.audit_trail()
    assert (row["actor"], row["action"], row["reference"]) == (
        "officer-z",
        "read_refused",
        "CON-AAAA-AAAA",
    )


def test_erasing_a_submission_erases_what_was_added(store):
    receipt = store.submissions.submit(CONCERN)
    store.submissions.add_information(
        receipt.reference, receipt.follow_up_phrase, "invented addition"
    )
    store.review.erase(receipt.reference, actor="officer-a", reason="asked to")
    with store.engine.connect() as connection:
        count = sa.select(sa.func.count()).select_from(additions)
        assert connection.execute(count).scalar() == 0


def test_rotating_the_key_re_seals_everything_for_the_new_key_alone(store, settings):
    receipt = store.submissions.submit(CONCERN)
    store.submissions.add_information(
        receipt.reference, receipt.follow_up_phrase, "invented addition"
    )
    old_key, new_key = settings.key_file.read_bytes().strip(), Fernet.generate_key()
    rotating = ConcernStore(store.engine, new_key, old_keys=[old_key])
    resealed = rotating.rotate_key(actor="officer-a")
    assert resealed == {"re_sealed": 2, "conversation_events_re_sealed": 0}
    record = ConcernStore(store.engine, new_key).review.read(
        receipt.reference, actor="officer-a", reason="after rotation"
    )
    assert record["noticed"] == CONCERN["noticed"]
    assert record["additions"][0]["text"] == "invented addition"
    with pytest.raises(ConcernStoreError, match="cannot be decrypted"):
        ConcernStore(store.engine, old_key).review.read(receipt.reference, actor="a", reason="b")


def test_rotating_the_key_re_seals_triage_notes_and_authenticators_too(store, settings):
    receipt = store.submissions.submit(CONCERN)
    store.triage.decide(
        receipt.reference,
        priority="soon",
        outcome="no_further_action",
        note="invented: already known",
        actor="officer-a",
        reason="t",
    )
    account = store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    old_key, new_key = settings.key_file.read_bytes().strip(), Fernet.generate_key()
    resealed = ConcernStore(store.engine, new_key, old_keys=[old_key]).rotate_key(actor="a")
    assert resealed["re_sealed"] == 3, "the report, its triage, the authenticator"
    after = ConcernStore(store.engine, new_key)  # the old key dropped
    record = after.review.read(receipt.reference, actor="a", reason="t")
    assert record["note"] == "invented: already known"
    code = pyotp.TOTP(account.totp_secret).now()
    token = after.credentials.sign_in("pc.invented", account.password, code)
    assert after.sessions.session(token).name == "pc.invented"


def test_no_audit_row_makes_work_fail_and_no_nul_reaches_the_database(store):
    receipt = store.submissions.submit(CONCERN)
    exported = store.review.export_these(
        [receipt.reference], actor="officer\x00-a", reason="case system " + "x" * 600
    )
    assert exported[0]["reference"] == receipt.reference
    last = store.audit.audit_trail()[-1]
    assert len(last["reason"]) == 500 and last["actor"] == "officer-a"
    with pytest.raises(UnknownReference):
        store.review.read("CON-\x00", actor="officer-a", reason="t")
    with pytest.raises(UnknownReference):
        store.review.export_these(["CON-\x00"], actor="officer-a", reason="t")
    assert store.audit.audit_trail()[-1]["action"] == "export_refused"
