"""Tickets for a conversation's turns, handed out and returned by one script in Redis."""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
from rasa.core.lock_store import RedisLockStore

from bot.storage.lock_store import AtomicRedisLockStore
from tests.assistant import run_coroutine
from tests.services import REDIS, service_url

REDIS_URL = os.environ.get("TEST_REDIS_URL")


def connection() -> dict:
    service_url(REDIS, "the lock store tests")
    url = urlparse(REDIS_URL)
    # A prefix of each test's own, so that no test sees another's locks.
    return {"host": url.hostname, "port": url.port, "db": int(url.path.strip("/") or 0),
            "key_prefix": uuid.uuid4().hex}  # fmt: skip


@pytest.fixture
def settings() -> dict:
    return connection()


def test_tickets_count_up_and_rasa_reads_the_lock(settings):
    store = AtomicRedisLockStore(**settings)
    assert [store.issue_ticket("talk") for _ in range(3)] == [0, 1, 2]
    lock = RedisLockStore(**settings).get_lock("talk")
    assert lock.conversation_id == "talk"
    assert lock.now_serving == 0
    assert lock.is_locked(1) and not lock.is_locked(0)


def test_the_last_ticket_returned_removes_the_lock(settings):
    store = AtomicRedisLockStore(**settings)
    first, second = store.issue_ticket("talk"), store.issue_ticket("talk")
    store.cleanup("talk", first)
    assert store.get_lock("talk").now_serving == second
    store.cleanup("talk", second)
    assert store.get_lock("talk") is None


def test_returning_one_ticket_keeps_the_others_in_order(settings):
    store = AtomicRedisLockStore(**settings)
    for _ in range(3):
        store.issue_ticket("talk")
    store.finish_serving("talk", 1)
    assert [ticket.number for ticket in store.get_lock("talk").tickets] == [0, 2]


def test_a_ticket_past_its_time_is_dropped(settings):
    store = AtomicRedisLockStore(**settings)
    store.issue_ticket("talk", lock_lifetime=0.01)
    time.sleep(0.05)
    store.update_lock("talk")
    assert store.get_lock("talk").tickets == type(store.get_lock("talk").tickets)()
    # With no ticket alive, numbering starts again, as in Rasa's ticket lock.
    assert store.issue_ticket("talk") == 0


def test_changes_to_a_missing_lock_create_nothing(settings):
    store = AtomicRedisLockStore(**settings)
    store.update_lock("nobody")
    store.finish_serving("nobody", 0)
    store.cleanup("nobody", 0)
    assert store.get_lock("nobody") is None


def test_rasa_serves_the_conversation_and_tidies_up(settings):
    store = AtomicRedisLockStore(**settings)

    async def turn():
        async with store.lock("talk", wait_time_in_seconds=0.01) as lock:
            return lock.now_serving

    assert run_coroutine(turn()) == 0
    assert store.get_lock("talk") is None


def tickets_taken_at_once(kind: type, settings: dict) -> list:
    """200 tickets for one conversation, taken by two servers from 8 threads."""
    servers = [kind(**settings), kind(**settings)]

    def take(index: int) -> int:
        return servers[index % 2].issue_ticket("talk")

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(take, range(200)))


def test_two_servers_taking_tickets_at_once_never_share_one(settings):
    assert sorted(tickets_taken_at_once(AtomicRedisLockStore, settings)) == list(range(200))


def test_rasa_own_store_shares_tickets_under_the_same_load(settings):
    """The control: without the script, the same load hands one number out twice.

    If Rasa's store ever stops doing so, bot/storage/lock_store.py may no longer be needed.
    """
    numbers = tickets_taken_at_once(RedisLockStore, settings)
    assert len(set(numbers)) < len(numbers)
