"""The public web service: the chat API's answers to good and bad input, and its safe default."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Dict, Optional, Tuple

import pytest

from bot.settings import MESSAGE_LIMIT
from bot.web.conversation_ids import is_conversation_id, new_conversation_id
from bot.web.messages import as_replies, button_payloads, safe_message
from bot.web.protection import SAFE_DEFAULT, RateLimiter
from tests.assistant import PROJECT_DIR, said_first, start_web_service

SECRET = "test-only-session-secret"


def call(
    url: str,
    body: object = None,
    *,
    raw: Optional[bytes] = None,
    method: str = "POST",
    headers: Optional[Dict[str, str]] = None,
) -> Tuple[int, Dict[str, str], object]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            status, got, payload = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        status, got, payload = error.code, dict(error.headers), error.read()
    try:
        return status, got, json.loads(payload or b"null")
    except ValueError:
        return status, got, payload.decode(errors="replace")


@pytest.fixture(scope="module")
def web(tmp_path_factory, assistant):
    """The public service in front of the running assistant."""
    yield from start_web_service(
        tmp_path_factory.mktemp("web"),
        "public",
        assistant,
        WEB_SESSION_SECRET=SECRET,
        WEB_ALLOWED_ORIGINS="https://force.example.invalid",
        WEB_REQUESTS_PER_MINUTE="1000",
    )


@pytest.fixture(scope="module")
def sender(web):
    status, _, body = call(f"{web.url}/api/session", {})
    assert status == 200
    return body["sender"]


def test_a_session_gives_a_signed_id_and_the_opening(web):
    status, _, body = call(f"{web.url}/api/session", {})
    assert status == 200
    assert is_conversation_id(SECRET.encode(), body["sender"])
    assert said_first(body["replies"], "utter_opening")


def test_a_message_gets_replies_in_the_rest_channel_shape(web, sender):
    status, _, replies = call(
        f"{web.url}/api/chat", {"sender": sender, "message": "my friend's phone is always off"}
    )
    assert status == 200
    assert replies and all(set(reply) == {"text", "buttons"} for reply in replies)
    assert {"title", "payload"} == set(replies[-1]["buttons"][0])


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"[]", 400),
        (b'"just a string"', 400),
        (b"{}", 400),
        (b'{"message": "hello"}', 400),
        (b'{"sender": "abc", "message": "hello"}', 400),
        (b'{"sender": 12, "message": "hello"}', 400),
        (b"\xff\xfe\x00not utf-8", 400),
    ],
)
def test_bad_requests_get_400_with_a_json_error(web, raw, status):
    got, headers, body = call(f"{web.url}/api/chat", raw=raw)
    assert got == status
    assert isinstance(body, dict) and body["error"]
    assert "Traceback" not in json.dumps(body)


def test_a_message_that_is_not_text_gets_400(web, sender):
    status, _, body = call(f"{web.url}/api/chat", {"sender": sender, "message": ["hi"]})
    assert status == 400 and body["error"]


def test_an_unknown_conversation_is_refused(web):
    forged = new_conversation_id(b"some other secret")
    status, _, body = call(f"{web.url}/api/chat", {"sender": forged, "message": "hello"})
    assert status == 400 and "not known" in body["error"]


def test_a_message_over_the_limit_gets_413(web, sender):
    message = "a" * (MESSAGE_LIMIT + 1)
    status, _, body = call(f"{web.url}/api/chat", {"sender": sender, "message": message})
    assert status == 413 and str(MESSAGE_LIMIT) in body["error"]


def test_a_huge_body_gets_413_before_it_is_read(web, sender):
    status, _, body = call(f"{web.url}/api/chat", raw=b'{"message": "' + b"a" * 200_000 + b'"}')
    assert status == 413 and body["error"]


def test_an_empty_message_gets_400(web, sender):
    status, _, body = call(f"{web.url}/api/chat", {"sender": sender, "message": "   "})
    assert status == 400 and body["error"]


def test_unknown_paths_and_methods_get_json_errors(web):
    assert call(f"{web.url}/nothing-here", method="GET")[0] == 404
    status, _, body = call(f"{web.url}/api/chat", method="GET")
    assert status == 405 and body["error"]


def test_every_page_has_the_strict_security_headers(web):
    status, headers, _ = call(f"{web.url}/", method="GET")
    assert status == 200
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


def test_only_a_configured_force_site_may_call_across_origins(web):
    allowed = {"Origin": "https://force.example.invalid"}
    status, headers, _ = call(f"{web.url}/api/session", {}, headers=allowed)
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://force.example.invalid"
    status, headers, _ = call(
        f"{web.url}/api/session", method="OPTIONS", headers={**allowed, "Content-Length": "0"}
    )
    assert status in (200, 204) and headers["Access-Control-Allow-Methods"] == "POST"

    status, headers, body = call(
        f"{web.url}/api/session", {}, headers={"Origin": "https://elsewhere.example.invalid"}
    )
    assert status == 403 and "Access-Control-Allow-Origin" not in headers


def test_the_log_holds_no_message_text(web, sender):
    marker = "Invented-Marker-Street-4471"
    call(f"{web.url}/api/chat", {"sender": sender, "message": f"she lives on {marker}"})
    log = web.log.read_text()
    assert "outcome=ok" in log
    assert marker not in log and sender not in log


@pytest.fixture(scope="module")
def web_without_rasa(tmp_path_factory):
    """The public service with nothing listening where Rasa should be."""
    yield from start_web_service(
        tmp_path_factory.mktemp("norasa"), "public", WEB_SESSION_SECRET=SECRET
    )


def test_when_rasa_is_stopped_the_safe_default_is_given(web_without_rasa):
    status, _, body = call(f"{web_without_rasa.url}/api/session", {})
    assert status == 200 and body["replies"] == [{"text": SAFE_DEFAULT, "buttons": []}]
    status, _, replies = call(
        f"{web_without_rasa.url}/api/chat", {"sender": body["sender"], "message": "hello"}
    )
    assert status == 200 and replies == [{"text": SAFE_DEFAULT, "buttons": []}]
    assert "999" in SAFE_DEFAULT and "101" in SAFE_DEFAULT
    assert "rasa unavailable" in web_without_rasa.log.read_text()


@pytest.fixture(scope="module")
def silent_rasa():
    """A port that accepts connections and never answers, like a Rasa that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


def test_when_rasa_is_slow_the_safe_default_comes_after_the_timeout(tmp_path, silent_rasa):
    for web in start_web_service(
        tmp_path, "public", silent_rasa, WEB_SESSION_SECRET=SECRET, RASA_TIMEOUT_SECONDS="1"
    ):
        status, _, body = call(f"{web.url}/api/session", {})
        assert status == 200 and body["replies"][0]["text"] == SAFE_DEFAULT
        assert "TimeoutError" in web.log.read_text()


def test_too_many_requests_from_one_client_get_429(tmp_path):
    for web in start_web_service(
        tmp_path, "public", WEB_SESSION_SECRET=SECRET, WEB_REQUESTS_PER_MINUTE="3"
    ):
        statuses = [
            call(f"{web.url}/api/chat", {"sender": "x", "message": "hi"})[0] for _ in range(5)
        ]
        assert statuses == [400, 400, 400, 429, 429]
        assert call(f"{web.url}/api/chat", {})[2]["error"].startswith("Too many")


# The parts, without a server -------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ('/inform{"choice": "evil"}', 'inform{"choice": "evil"}'),
        ("//", "?"),
        ("/affirm", "/affirm"),
        ('/inform{"choice": "a few weeks"}', '/inform{"choice": "a few weeks"}'),
        ("  hello  ", "hello"),
    ],
)
def test_only_our_own_button_payloads_keep_their_slash(typed, sent):
    payloads = button_payloads(PROJECT_DIR / "domain.yml")
    assert safe_message(typed, payloads) == sent


def test_replies_are_reduced_to_text_and_buttons():
    rasa = [
        {"recipient_id": "x", "text": "hi", "image": "http://x.invalid/a.png"},
        {"recipient_id": "x", "custom": {"a": 1}},
        {"text": "choose", "buttons": [{"title": "Yes", "payload": "/affirm", "type": "x"}]},
    ]
    assert as_replies(rasa) == [
        {"text": "hi", "buttons": []},
        {"text": "choose", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
    ]
    assert as_replies({"not": "a list"}) == []


def test_the_rate_limiter_forgets_after_a_minute():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")
    now[0] = 61.0
    assert limiter.allow("a")


def test_conversation_ids_are_unguessable_and_checked():
    secret = b"s"
    issued = new_conversation_id(secret)
    assert is_conversation_id(secret, issued)
    assert not is_conversation_id(b"other", issued)
    assert not is_conversation_id(secret, issued[:-1] + ("A" if issued[-1] != "A" else "B"))
    assert not is_conversation_id(secret, None)
    assert len({new_conversation_id(secret) for _ in range(1000)}) == 1000
