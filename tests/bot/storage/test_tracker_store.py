"""Conversations are kept sealed, come back whole, are read incrementally; idle ones go."""

import json
import os
import threading
import time

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import Settings
from bot.staff import main as concerns_command
from bot.storage.conversations import purge_idle_conversations
from bot.storage.tracker_store import Recent, RecentConversations, SealedTrackerStore
from tests.assistant import run_coroutine
from tests.services import POSTGRES, service_url

POSTGRES_URL = os.environ.get("CONCERNS_TEST_DATABASE_URL")
# Invented words, distinctive enough to search the raw database for.
TYPED = "the curtains at number seventeen on Invented Lane stay shut"
PHRASE = "otter-maple-river-42"

DOMAIN = Domain.from_dict(
    {
        "intents": ["warning_sign"],
        "slots": {"warning_signs": {"type": "list", "mappings": [{"type": "custom"}]}},
        "responses": {"utter_noted": [{"text": "Noted."}]},
    }
)


@pytest.fixture(params=["sqlite", "postgresql"])
def conversations_url(request, tmp_path, monkeypatch):
    """Points the tracker store at each database it must work on, with a fresh key."""
    if request.param == "postgresql":
        service_url(POSTGRES, "these tracker tests on PostgreSQL")
        url = POSTGRES_URL
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS events"))
            connection.execute(sa.text("DROP SEQUENCE IF EXISTS events_seq"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'nested' / 'conversations.db'}"
    monkeypatch.setenv("CONCERNS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONVERSATIONS_DATABASE_URL", url)
    monkeypatch.setenv("CONCERNS_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("CONCERNS_OLD_KEYS", raising=False)
    return url


def conversation(sender: str, at: float) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in (
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(TYPED, {"name": "warning_sign", "confidence": 0.9}, timestamp=at + 1),
        SlotSet("warning_signs", ["curtains_closed"], timestamp=at + 2),
        BotUttered(f"Your phrase is {PHRASE}", timestamp=at + 3),
    ):
        tracker.update(event)
    return tracker


def save(store: SealedTrackerStore, tracker: DialogueStateTracker) -> None:
    run_coroutine(store.save(tracker))


def test_a_conversation_comes_back_whole_from_a_new_store(conversations_url):
    save(SealedTrackerStore(DOMAIN), conversation("sender-a", time.time()))

    # A new store is what a restarted Rasa server opens.
    again = run_coroutine(SealedTrackerStore(DOMAIN).retrieve("sender-a"))

    assert again.latest_message.text == TYPED
    assert again.get_slot("warning_signs") == ["curtains_closed"]
    assert [event.type_name for event in again.events] == ["action", "user", "slot", "bot"]


def test_what_people_typed_is_not_in_the_database(conversations_url):
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("sender-b", time.time()))

    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM events")).all()
    raw = repr(rows)
    assert len(rows) == 4
    for secret in ("seventeen", "Invented Lane", PHRASE, "curtains_closed"):
        assert secret not in raw


def test_events_sealed_with_another_key_are_never_read_as_plain_text(
    conversations_url, monkeypatch
):
    save(SealedTrackerStore(DOMAIN), conversation("sender-c", time.time()))
    monkeypatch.setenv("CONCERNS_KEY", Fernet.generate_key().decode())

    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        run_coroutine(SealedTrackerStore(DOMAIN).retrieve("sender-c"))


def test_an_old_key_still_opens_conversations_after_rotation(conversations_url, monkeypatch):
    save(SealedTrackerStore(DOMAIN), conversation("sender-d", time.time()))
    monkeypatch.setenv("CONCERNS_OLD_KEYS", os.environ["CONCERNS_KEY"])
    monkeypatch.setenv("CONCERNS_KEY", Fernet.generate_key().decode())

    again = run_coroutine(SealedTrackerStore(DOMAIN).retrieve("sender-d"))
    assert again.latest_message.text == TYPED


def test_rotate_key_re_seals_conversations_so_the_old_key_can_be_dropped(
    conversations_url, monkeypatch, capsys
):
    for sender in ("sender-e", "sender-f"):
        save(SealedTrackerStore(DOMAIN), conversation(sender, time.time()))
    old_key, new_key = os.environ["CONCERNS_KEY"], Fernet.generate_key().decode()
    monkeypatch.setenv("CONCERNS_OLD_KEYS", old_key)
    monkeypatch.setenv("CONCERNS_KEY", new_key)

    assert concerns_command(["--actor", "test-officer", "rotate-key"]) == 0
    assert json.loads(capsys.readouterr().out)["conversation_events_re_sealed"] == 8

    monkeypatch.delenv("CONCERNS_OLD_KEYS")  # the old key is dropped, as the README says
    for sender in ("sender-e", "sender-f"):
        again = run_coroutine(SealedTrackerStore(DOMAIN).retrieve(sender))
        assert again.latest_message.text == TYPED
    trail = Settings.from_env().open_store().audit.audit_trail()
    assert trail[-1]["action"] == "rotate_key" and "8 conversation events" in trail[-1]["reason"]


def test_only_idle_conversations_are_purged(conversations_url):
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("idle", time.time() - 25 * 3600))
    save(store, conversation("recent", time.time() - 3600))

    assert purge_idle_conversations(store.engine, idle_hours=24) == 1

    assert run_coroutine(store.retrieve("idle")) is None
    assert run_coroutine(store.retrieve("recent")).latest_message.text == TYPED


def test_the_purge_command_purges_idle_conversations_and_audits_it(
    conversations_url, monkeypatch, capsys
):
    monkeypatch.setenv("CONVERSATIONS_IDLE_HOURS", "2")
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("idle", time.time() - 3 * 3600))
    save(store, conversation("recent", time.time() - 600))
    if conversations_url == POSTGRES_URL:
        # The submissions share the PostgreSQL database in this test.
        monkeypatch.setenv("CONCERNS_DATABASE_URL", POSTGRES_URL)

    assert concerns_command(["--actor", "test-officer", "purge"]) == 0

    assert '"conversations_purged": 1' in capsys.readouterr().out
    assert run_coroutine(store.retrieve("idle")) is None
    assert run_coroutine(store.retrieve("recent")) is not None
    trail = Settings.from_env().open_store().audit.audit_trail()
    assert [(entry["actor"], entry["action"]) for entry in trail][-1] == (
        "test-officer",
        "purge-conversations",
    )
    assert "(1 removed)" in trail[-1]["reason"]


def test_the_purge_of_a_database_rasa_never_used_removes_nothing(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert purge_idle_conversations(engine, idle_hours=24) == 0


def more(tracker: DialogueStateTracker, text: str, at: float) -> DialogueStateTracker:
    """Adds one turn to a conversation, as a Rasa server would."""
    tracker.update(UserUttered(text, {"name": "warning_sign", "confidence": 0.9}, timestamp=at))
    tracker.update(BotUttered("Noted.", timestamp=at + 0.5))
    return tracker


def kinds_and_texts(tracker: DialogueStateTracker) -> list:
    return [(event.type_name, getattr(event, "text", None)) for event in tracker.events]


def counting_decryptions(store: SealedTrackerStore, monkeypatch) -> list:
    opened = []
    cipher = store.SQLEvent.__table__.c.data.type.cipher
    original = cipher.decrypt

    def decrypt(token):
        opened.append(1)
        return original(token)

    monkeypatch.setattr(cipher, "decrypt", decrypt)
    return opened


def test_the_rows_are_the_ones_rasas_own_store_writes(tmp_path, conversations_url):
    plain = SQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'plain.db'}")
    sealed = SealedTrackerStore(DOMAIN)
    now = time.time()
    save(plain, conversation("same", now))
    save(sealed, conversation("same", now))

    def rows(store):
        with store.session_scope() as session:
            return [
                (row.sender_id, row.type_name, row.timestamp, row.intent_name, row.action_name,
                 json.loads(row.data))
                for row in session.query(store.SQLEvent).order_by(store.SQLEvent.id)
            ]  # fmt: skip

    assert rows(sealed) == rows(plain)


def test_a_conversation_read_again_decrypts_only_what_is_new(conversations_url, monkeypatch):
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("again", time.time()))
    tracker = run_coroutine(store.retrieve("again"))
    save(store, more(tracker, "and the post is piling up", time.time()))
    opened = counting_decryptions(store, monkeypatch)

    again = run_coroutine(store.retrieve("again"))

    # The last row kept, to see it is still there, and the turn's two new ones.
    assert len(opened) == 3
    assert kinds_and_texts(again) == kinds_and_texts(tracker)


def test_with_none_kept_every_read_decrypts_the_whole_conversation(conversations_url, monkeypatch):
    monkeypatch.setenv("CONVERSATIONS_KEPT_IN_MEMORY", "0")
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("whole", time.time()))
    tracker = run_coroutine(store.retrieve("whole"))
    opened = counting_decryptions(store, monkeypatch)

    again = run_coroutine(store.retrieve("whole"))

    assert len(store.recent) == 0
    assert len(opened) == len(tracker.events)
    assert kinds_and_texts(again) == kinds_and_texts(tracker)


def test_a_kept_conversation_picks_up_a_turn_another_server_wrote(conversations_url):
    here, other = SealedTrackerStore(DOMAIN), SealedTrackerStore(DOMAIN)
    save(here, conversation("shared", time.time()))
    run_coroutine(here.retrieve("shared"))  # now kept by this server

    elsewhere = run_coroutine(other.retrieve("shared"))
    save(other, more(elsewhere, "she has not been out all week", time.time()))
    mine = run_coroutine(here.retrieve("shared"))
    save(here, more(mine, "her phone goes to voicemail", time.time() + 1))

    whole = run_coroutine(SealedTrackerStore(DOMAIN).retrieve("shared"))
    texts = [text for kind, text in kinds_and_texts(whole) if kind == "user"]
    assert texts == [TYPED, "she has not been out all week", "her phone goes to voicemail"]
    assert len(whole.events) == 8, "no event lost or stored twice"


def test_a_kept_conversation_that_was_purged_is_gone(conversations_url):
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("purged", time.time() - 25 * 3600))
    assert run_coroutine(store.retrieve("purged")) is not None

    assert purge_idle_conversations(store.engine, idle_hours=24) == 1

    assert run_coroutine(store.retrieve("purged")) is None


def test_a_new_session_is_read_on_its_own(conversations_url):
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("sessions", time.time()))
    tracker = run_coroutine(store.retrieve("sessions"))
    later = time.time() + 10
    tracker.update(SessionStarted(timestamp=later))
    tracker.update(ActionExecuted("action_listen", timestamp=later + 1))
    save(store, tracker)

    again = run_coroutine(store.retrieve("sessions"))

    assert [event.type_name for event in again.events] == ["session_started", "action"]


def test_the_database_is_used_off_the_event_loop(conversations_url, monkeypatch):
    store = SealedTrackerStore(DOMAIN)
    threads = []
    original = store.session_scope

    def session_scope():
        threads.append(threading.get_ident())
        return original()

    monkeypatch.setattr(store, "session_scope", session_scope)

    async def turn():
        await store.save(conversation("threads", time.time()))
        await store.retrieve("threads")
        return threading.get_ident()

    loop_thread = run_coroutine(turn())
    assert len(threads) == 2 and loop_thread not in threads


def test_recent_conversations_drop_the_least_recently_used_first():
    recent = RecentConversations(capacity=2)
    recent.keep("a", Recent(1))
    recent.keep("b", Recent(2))
    recent.get("a")
    recent.keep("c", Recent(3))

    assert recent.get("b") is None
    assert recent.get("a").last_id == 1 and recent.get("c").last_id == 3


def test_recent_conversations_are_not_kept_past_a_pause(monkeypatch):
    recent = RecentConversations(for_seconds=60)
    recent.keep("a", Recent(1))
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)

    assert recent.get("a") is None and len(recent) == 0
