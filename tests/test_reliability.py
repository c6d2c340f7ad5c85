"""The service keeps working when a part fails, and loses nothing.

Each test talks through the public web service, as the widget does, to an
assistant of its own (this module stops and starts its servers), and stops a
part in the middle of a conversation: the Rasa server, the action server, the
concern store's database. The person is given the safe default (999 first,
then 101) while a part is down, and carries on where they were once it is back.
"""

from __future__ import annotations

import os
import re
import socket
import urllib.request
from pathlib import Path
from typing import Iterator, List, Tuple
from urllib.parse import urlsplit, urlunsplit

import pytest

from actions.content import warning_sign_labels
from bot.settings import Settings
from bot.web.protection import SAFE_DEFAULT
from tests.assistant import request, said, start_assistant, start_web_service
from tests.faults import Relay
from tests.services import POSTGRES, relay_to

POSTGRES_URL = os.environ.get("CONCERNS_TEST_DATABASE_URL")
RECEIPT = re.compile(r"CON-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
# Invented details, distinctive enough to search the logs for.
NOTICED = "she flinches when the Invented-Van pulls up (invented)"
PLACE = "Invented Crescent, Sampletown"
PHONE = "07700 900 456"


class WebChat:
    """One person's conversation through the public web service."""

    def __init__(self, web_url: str) -> None:
        self.web_url = web_url
        status, body = request(f"{web_url}/api/session", {})
        assert status == 200, body
        self.sender = body["sender"]
        self.replies: List[dict] = body["replies"]

    def say(self, message: str) -> str:
        status, replies = request(
            f"{self.web_url}/api/chat", {"sender": self.sender, "message": message}
        )
        assert status == 200, replies
        self.replies = replies
        return "\n".join(reply["text"] for reply in replies)


def is_safe_default(reply: str) -> bool:
    return reply == SAFE_DEFAULT


def start_report(chat: WebChat) -> None:
    chat.say("my neighbour has kept her curtains shut all week")
    chat.say("/deny")  # nothing else noticed: the advice
    reply = chat.say("/want_to_report")
    assert warning_sign_labels()["curtains_closed"] in reply
    chat.say(NOTICED)


def finish_report(chat: WebChat, first_answer: str = "a few weeks") -> str:
    """Answers the rest of the form from "how long"; returns the summary."""
    reply = chat.say(first_answer)
    assert said(reply, "utter_ask_whereabouts"), reply
    chat.say(PLACE)
    chat.say("/deny")
    chat.say("by phone")
    return chat.say(PHONE)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple]:
    """An assistant of this module's own, and the web service in front of it."""
    workdir = tmp_path_factory.mktemp("reliability")
    for assistant in start_assistant(workdir):
        for web in start_web_service(
            workdir,
            "public",
            assistant,
            WEB_SESSION_SECRET="test-only-reliability-secret",
            WEB_REQUESTS_PER_MINUTE="1000",
        ):
            yield assistant, web


def test_a_conversation_carries_on_after_rasa_is_stopped_and_restarted(stack):
    assistant, web = stack
    chat = WebChat(web.url)
    start_report(chat)

    assistant.stop("rasa")
    assert is_safe_default(chat.say("a few weeks"))
    assistant.start("rasa")

    # Rasa starts afresh, from the tracker store: the signs and the answer
    # given before the restart are still there, and the question is asked again.
    summary = finish_report(chat)
    assert NOTICED in summary and PLACE in summary
    assert warning_sign_labels()["curtains_closed"] in summary
    receipt = chat.say("/affirm")
    assert said(receipt, "utter_concern_received")
    reference = RECEIPT.search(receipt).group(0)
    store = Settings.from_env({"CONCERNS_DATA_DIR": str(assistant.concerns_dir)}).open_store()
    record = store.review.read(reference, actor="pytest", reason="test check")
    assert record["noticed"] == NOTICED and record["location"] == PLACE


def test_while_the_action_server_is_down_the_safe_default_is_given_then_it_carries_on(stack):
    assistant, web = stack
    chat = WebChat(web.url)
    start_report(chat)

    assistant.stop("actions")
    assert is_safe_default(chat.say("a few weeks"))
    assert "action server unavailable" in web.log.read_text()
    assistant.start("actions")

    summary = finish_report(chat)
    assert NOTICED in summary and PLACE in summary


def test_no_log_holds_what_was_typed_or_any_secret(stack):
    assistant, web = stack
    chat = WebChat(web.url)
    start_report(chat)
    finish_report(chat)
    receipt = chat.say("/affirm")
    reference = RECEIPT.search(receipt).group(0)

    logs = assistant.logs() + web.log.read_text()
    key = (assistant.concerns_dir / "concerns.key").read_text().strip()
    secret = Path(web.data_dir / "web_session.key")
    for private in (
        "Invented-Van",
        "Invented Crescent",
        PHONE,
        PHONE.replace(" ", ""),
        "curtains shut",
        reference,
        chat.sender,
        key,
        "test-only-reliability-secret",
        assistant.token,
        *([secret.read_text().strip()] if secret.exists() else []),
    ):
        assert private not in logs, f"the logs hold {private!r}"


def database_behind(relay: Relay) -> str:
    """Returns the test database's URL with the relay's port in place of PostgreSQL's."""
    parts = urlsplit(POSTGRES_URL)
    netloc = parts.netloc.rsplit(":", 1)[0] + f":{relay.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture(scope="module")
def relayed_database() -> Iterator[Relay]:
    yield from relay_to(POSTGRES, "the database outage test")


@pytest.fixture(scope="module")
def stack_on_postgresql(tmp_path_factory, relayed_database) -> Iterator[tuple]:
    """An assistant whose concern store is PostgreSQL, reached through a relay."""
    workdir = tmp_path_factory.mktemp("database-outage")
    for assistant in start_assistant(
        workdir, CONCERNS_DATABASE_URL=database_behind(relayed_database)
    ):
        for web in start_web_service(
            workdir,
            "public",
            assistant,
            WEB_SESSION_SECRET="test-only-outage-secret",
            WEB_REQUESTS_PER_MINUTE="1000",
        ):
            yield assistant, web


def test_a_report_sent_while_the_database_is_down_is_kept_and_sent_on_retry(
    stack_on_postgresql, relayed_database
):
    assistant, web = stack_on_postgresql
    # A first report opens the action server's connections to the database.
    first = WebChat(web.url)
    start_report(first)
    finish_report(first)
    assert said(first.say("/affirm"), "utter_concern_received")
    chat = WebChat(web.url)
    start_report(chat)
    finish_report(chat)

    relayed_database.break_connections()
    reply = chat.say("/affirm")
    assert said(reply, "utter_concern_not_stored")
    assert not RECEIPT.search(reply), "no reference for a report that was not stored"

    relayed_database.mend()
    # Nothing was lost: trying again shows the same answers, ready to send.
    summary = chat.say("/try_again")
    assert NOTICED in summary and PLACE in summary
    receipt = chat.say("/affirm")
    assert said(receipt, "utter_concern_received")
    reference = RECEIPT.search(receipt).group(0)
    store = Settings.from_env(
        {"CONCERNS_DATABASE_URL": POSTGRES_URL, "CONCERNS_DATA_DIR": str(assistant.concerns_dir)}
    ).open_store()
    record = store.review.read(reference, actor="pytest", reason="test check")
    assert record["noticed"] == NOTICED and record["location"] == PLACE


def answer_to_announced_body(url: str, size: int) -> Tuple[int, bytes]:
    """Announces a body of ``size`` bytes; returns the status and answer, sending none of it.

    A server that enforces its limit answers from the Content-Length alone,
    without reading (or holding memory for) the body.
    """
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        answer = sock.makefile("rb").read()
    return int(answer.split()[1]), answer


def test_rasa_and_the_action_server_refuse_oversized_bodies(stack):
    assistant, _ = stack
    assert answer_to_announced_body(f"{assistant.url}/webhooks/rest/webhook", 2 << 20)[0] == 413
    # rasa_sdk answers every exception with its own 500 handler, this one too;
    # the body is refused all the same (only Rasa, on loopback, calls it).
    status, answer = answer_to_announced_body(f"{assistant.actions_url}/webhook", 9 << 20)
    assert status in {413, 500} and b"exceeds the size limit" in answer
    # Both are still there for everyone else.
    for health in (f"{assistant.url}/", f"{assistant.actions_url}/health"):
        with urllib.request.urlopen(health, timeout=10) as answer:
            assert answer.status == 200
