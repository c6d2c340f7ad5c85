"""Scaled out: two Rasa servers share every conversation and lose nothing.

The set-up of docs/deploy.md, on loopback: two Rasa servers with one
PostgreSQL tracker store and Rasa's Redis lock store, one action server, and
the web service with two workers in front, behind nginx as the force's proxy
(docs/nginx-site.conf), its rate limits shared in Redis. Conversations run side by side, and
each one's turns alternate between the two Rasa servers; afterwards every
conversation's events are read back from both servers and from the database,
and every report from the concern store.

Redis reaches the Rasa servers through a relay (tests/faults.py) so that one
test can cut it.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List, Tuple
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot.settings import Settings
from bot.web.protection import SAFE_DEFAULT
from tests.assistant import (
    PROJECT_DIR,
    Assistant,
    free_port,
    request,
    said,
    start_assistant,
    start_web_service,
)
from tests.faults import Relay
from tests.proxy import Proxy, start_proxy
from tests.services import POSTGRES, REDIS, relay_to, service_url

POSTGRES_URL = os.environ.get("CONCERNS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
CONVERSATIONS = 24
# Conversation ids of this run only, should another run share the databases.
RUN = uuid.uuid4().hex[:8]
REFERENCE = re.compile(r"CON-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
RESULTS = PROJECT_DIR / "results"


def turns(number: int) -> List[str]:
    """One person's report, in invented words of their own, from first message to sending."""
    return [
        "my neighbour has kept her curtains shut all week",
        "/deny",
        "/want_to_report",
        f"the van outside flat {number} waits every night (invented)",
        "a few weeks",
        f"{number} Invented Terrace, Sampletown",
        "/deny",
        "by phone",
        f"07700 900 {number:03d}",
        "/affirm",
    ]


@pytest.fixture(scope="module")
def redis_relay() -> Iterator[Relay]:
    service_url(POSTGRES, "the scale-out tests")
    yield from relay_to(REDIS, "the scale-out tests")


@pytest.fixture(scope="module")
def scaled(tmp_path_factory, redis_relay) -> Iterator[Tuple[Assistant, Proxy]]:
    """Two Rasa servers on shared stores, the web service (two workers) in front,
    and the proxy in front of that."""
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS events"))
    engine.dispose()
    workdir = tmp_path_factory.mktemp("scaled")
    for assistant in start_assistant(
        workdir,
        rasa_servers=2,
        endpoints=PROJECT_DIR / "endpoints.scaled.yml",
        REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(redis_relay.port),
        REDIS_PASSWORD="",
        CONVERSATIONS_DATABASE_URL=POSTGRES_URL,
        CONCERNS_KEY=Fernet.generate_key().decode(),
    ):
        for web in start_web_service(
            workdir,
            "public",
            assistant,
            workers=2,
            WEB_SESSION_SECRET="test-only-scaled-secret",
            WEB_REQUESTS_PER_MINUTE="100000",
            WEB_TRUSTED_PROXIES="127.0.0.1",
            # Through the relay: with Redis cut, the limits are counted in
            # each worker and nobody is turned away.
            WEB_LIMITS_REDIS_URL=f"redis://127.0.0.1:{redis_relay.port}/1",
        ):
            for proxy in start_proxy(workdir / "nginx", urlsplit(web.url).netloc, free_port()):
                yield assistant, proxy


def have_conversation(assistant: Assistant, number: int) -> Tuple[str, str]:
    """Sends each turn to the other Rasa server than the last; returns (sender, last reply)."""
    sender = f"scale-out-{RUN}-{number:02d}"
    reply: object = None
    for turn, message in enumerate(turns(number)):
        server = assistant.urls[(number + turn) % 2]
        status, reply = request(
            f"{server}/webhooks/rest/webhook", {"sender": sender, "message": message}
        )
        assert status == 200, reply
    return sender, "\n".join(part.get("text", "") for part in reply)


def tracker_events(assistant: Assistant, server: str, sender: str) -> List[dict]:
    status, tracker = request(f"{server}/conversations/{sender}/tracker?token={assistant.token}")
    assert status == 200, tracker
    return tracker["events"]


def said_by_person(events: List[dict]) -> List[str]:
    return [event["text"] for event in events if event["event"] == "user"]


def test_conversations_alternating_between_two_rasa_servers_lose_nothing(scaled):
    assistant, _ = scaled
    with ThreadPoolExecutor(max_workers=8) as pool:
        finished = list(pool.map(lambda n: have_conversation(assistant, n), range(CONVERSATIONS)))

    engine = sa.create_engine(POSTGRES_URL)
    store = Settings.from_env(
        {**assistant.env, "CONCERNS_DATA_DIR": str(assistant.concerns_dir)}
    ).open_store()
    events_checked = 0
    for number, (sender, last_reply) in enumerate(finished):
        # Both servers see the same conversation, event for event.
        first, second = (tracker_events(assistant, url, sender) for url in assistant.urls)
        assert first == second
        # Every message is there once, in the order it was sent, and answered.
        assert said_by_person(first) == turns(number)
        # Every message is answered before the next one: U for a message, B
        # for a reply, so each stretch after a U must hold a B.
        kinds = "".join({"user": "U", "bot": "B"}.get(event["event"], ".") for event in first)
        assert all("B" in stretch for stretch in kinds.split("U")[1:]), kinds
        # The database holds each event once.
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT count(*) FROM events WHERE sender_id = :sender"),
                {"sender": sender},
            ).scalar()
        assert rows == len(first)
        events_checked += len(first)
        # The report landed, with this conversation's own answers.
        assert said(last_reply, "utter_concern_received")
        record = store.review.read(
            REFERENCE.search(last_reply).group(0), actor="pytest", reason="test check"
        )
        assert record["noticed"] == turns(number)[3]
        assert record["location"] == turns(number)[5]
    engine.dispose()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale-out.json").write_text(
        json.dumps(
            {
                "conversations": CONVERSATIONS,
                "turns": CONVERSATIONS * len(turns(0)),
                "rasa_servers": len(assistant.urls),
                "events_checked": events_checked,
                "reports_stored": CONVERSATIONS,
            },
            indent=2,
        )
    )


def test_two_messages_at_once_to_both_servers_are_taken_one_after_the_other(scaled):
    """Rasa's Redis lock store serialises a conversation's turns across servers;
    without it both servers would load the same tracker and each save over the other."""
    assistant, _ = scaled
    pair = ("her phone is always switched off", "she has stopped seeing her friends")

    def send(sender: str, server: str, message: str) -> None:
        status, reply = request(
            f"{server}/webhooks/rest/webhook", {"sender": sender, "message": message}
        )
        assert status == 200, reply

    senders = [f"scale-out-pair-{RUN}-{number:02d}" for number in range(10)]
    with ThreadPoolExecutor(max_workers=len(senders) * 2) as pool:
        sent = [
            pool.submit(send, sender, server, message)
            for sender in senders
            for server, message in zip(assistant.urls, pair, strict=True)
        ]
        for future in sent:
            future.result()

    for sender in senders:
        events = tracker_events(assistant, assistant.urls[0], sender)
        assert sorted(said_by_person(events)) == sorted(pair)
        kinds = "".join({"user": "U", "bot": "B"}.get(event["event"], ".") for event in events)
        assert all("B" in stretch for stretch in kinds.split("U")[1:]), kinds


def chat(proxy: Proxy, sender: str, message: str) -> str:
    status, replies = request(
        f"{proxy.url}/api/chat", {"sender": sender, "message": message}, tls=proxy.tls
    )
    assert status == 200, replies
    return "\n".join(reply["text"] for reply in replies)


def test_with_redis_cut_the_person_gets_the_safe_default_and_nothing_is_mixed_up(
    scaled, redis_relay
):
    assistant, proxy = scaled
    status, session = request(f"{proxy.url}/api/session", {}, tls=proxy.tls)
    assert status == 200
    sender = session["sender"]
    for message in turns(99)[:4]:
        chat(proxy, sender, message)
    before = said_by_person(tracker_events(assistant, assistant.urls[0], sender))

    redis_relay.break_connections()
    try:
        assert chat(proxy, sender, "a few weeks") == SAFE_DEFAULT
        assert chat(proxy, sender, "a few weeks") == SAFE_DEFAULT
    finally:
        redis_relay.mend()
    # Without the lock, neither server touched the conversation.
    for server in assistant.urls:
        assert said_by_person(tracker_events(assistant, server, sender)) == before

    assert said(chat(proxy, sender, "a few weeks"), "utter_ask_whereabouts")
    after = said_by_person(tracker_events(assistant, assistant.urls[1], sender))
    # Typed, the button's title is sent as the button's payload (typed buttons).
    assert after == [*before, '/inform{"choice": "a few weeks"}']
