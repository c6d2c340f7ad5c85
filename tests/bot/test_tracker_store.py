"""Conversations are kept sealed, come back whole, and idle ones are purged."""

import asyncio
import os
import time

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.concerns import main as concerns_command
from bot.conversation_retention import purge_idle_conversations
from bot.settings import Settings
from bot.tracker_store import SealedTrackerStore

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
        if not POSTGRES_URL:
            pytest.skip(
                "!!! PostgreSQL is not running (CONCERNS_TEST_DATABASE_URL unset): "
                "start it with `make services`; these tracker tests ran on SQLite only !!!"
            )
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
    asyncio.run(store.save(tracker))


def test_a_conversation_comes_back_whole_from_a_new_store(conversations_url):
    save(SealedTrackerStore(DOMAIN), conversation("sender-a", time.time()))

    # A new store is what a restarted Rasa server opens.
    again = asyncio.run(SealedTrackerStore(DOMAIN).retrieve("sender-a"))

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
        asyncio.run(SealedTrackerStore(DOMAIN).retrieve("sender-c"))


def test_an_old_key_still_opens_conversations_after_rotation(conversations_url, monkeypatch):
    save(SealedTrackerStore(DOMAIN), conversation("sender-d", time.time()))
    monkeypatch.setenv("CONCERNS_OLD_KEYS", os.environ["CONCERNS_KEY"])
    monkeypatch.setenv("CONCERNS_KEY", Fernet.generate_key().decode())

    again = asyncio.run(SealedTrackerStore(DOMAIN).retrieve("sender-d"))
    assert again.latest_message.text == TYPED


def test_only_idle_conversations_are_purged(conversations_url):
    store = SealedTrackerStore(DOMAIN)
    save(store, conversation("idle", time.time() - 25 * 3600))
    save(store, conversation("recent", time.time() - 3600))

    assert purge_idle_conversations(store.engine, idle_hours=24) == 1

    assert asyncio.run(store.retrieve("idle")) is None
    assert asyncio.run(store.retrieve("recent")).latest_message.text == TYPED


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
    assert asyncio.run(store.retrieve("idle")) is None
    assert asyncio.run(store.retrieve("recent")) is not None
    trail = Settings.from_env().open_store().audit_trail()
    assert [(entry["actor"], entry["action"]) for entry in trail][-1] == (
        "test-officer",
        "purge-conversations",
    )
    assert "(1 removed)" in trail[-1]["reason"]


def test_the_purge_of_a_database_rasa_never_used_removes_nothing(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert purge_idle_conversations(engine, idle_hours=24) == 0
