"""Hostile input against the running web services: whatever anyone sends, the
answer is one of the documented statuses with a short JSON error, and the
service stays up.

The public chat API faces the internet and the staff API the force's network:
a 500, a stack trace or a stuck worker would leave the next person, perhaps
one reporting someone in danger, with no answer. Hypothesis makes the input
(odd JSON, odd text, raw bytes, broken HTTP heads, odd tokens and references),
derandomized so that every run tries the same inputs. How many were tried is
written to results/hostile-inputs.json for the security report.
"""

from __future__ import annotations

import collections
import http.client
import itertools
import json
import re
import socket
import urllib.parse
from typing import Dict, Iterator, List, Optional

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.settings import MESSAGE_LIMIT, Settings
from bot.web.console.pages import session_cookie_name, sign_in_cookie_name
from bot.web.conversation_ids import new_conversation_id
from bot.web.public import REQUEST_MAX_SIZE as PUBLIC_BODY_LIMIT
from bot.web.public import STATIC_DIR
from tests.assistant import PROJECT_DIR, RECEIPT, Conversation, start_web_service, texts
from tests.console import Console, new_account

SECRET = "test-only-hostile-input-secret"
ALLOWED_ORIGIN = "https://force.example.invalid"
# The documented answers of each service (README, docs/).
PUBLIC_STATUSES = {200, 204, 400, 403, 404, 405, 413, 429}
STAFF_STATUSES = {200, 400, 401, 403, 404, 405, 413}
# What a leaked stack trace would show: a traceback, a Python file, a frame line.
LEAK = re.compile(rb"Traceback|File \"|[\w.-]+\.py\b|site-packages")

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TRIED: Dict[str, int] = collections.Counter()


def tried(prop: str) -> None:
    TRIED[prop] += 1


@pytest.fixture(scope="module", autouse=True)
def tally() -> Iterator[None]:
    """Writes how many hostile inputs each property tried, once the module is done."""
    yield
    results = PROJECT_DIR / "results"
    results.mkdir(exist_ok=True)
    (results / "hostile-inputs.json").write_text(
        json.dumps({"total": sum(TRIED.values()), "per_property": dict(TRIED)}, indent=2) + "\n"
    )


# Talking to a service ---------------------------------------------------------


class Answer:
    """One HTTP answer: status, headers (lower-case names) and body bytes."""

    def __init__(self, status: int, headers: Dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> object:
        return json.loads(self.body)


# Each request comes from its own loopback address, so the staff API's fixed
# limit per client (120 a minute) is not what the fuzz measures.
SOURCES = (f"127.0.{n // 250 + 1}.{n % 250 + 2}" for n in itertools.count())


def send(
    url: str,
    path: str,
    body: Optional[bytes] = None,
    *,
    method: str = "POST",
    headers: Optional[Dict[str, object]] = None,
) -> Answer:
    """Sends one request with exactly these headers (none added but Host and length)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(next(SOURCES), 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        got = {name.lower(): value for name, value in answer.getheaders()}
        return Answer(answer.status, got, answer.read())
    finally:
        connection.close()


def send_json(url: str, path: str, value: object, **kwargs) -> Answer:
    data = json.dumps(value).encode()
    return send(url, path, data, headers={"Content-Type": "application/json"}, **kwargs)


def check(answer: Answer, allowed: set, *, json_body: bool = True) -> None:
    """A documented status, nothing leaked, and (for the APIs) a JSON body."""
    assert answer.status in allowed, (answer.status, answer.body[:300])
    assert not LEAK.search(answer.body), answer.body[:300]
    if json_body and answer.status != 204 and answer.body:
        value = answer.json()
        if answer.status >= 400:
            assert isinstance(value, dict) and isinstance(value.get("error"), str), value


def still_up(url: str, health: str) -> None:
    """The service answers its health check: the process and its worker are alive."""
    answer = send(url, health, method="GET")
    assert answer.status == 200 and answer.json() == {"status": "ok"}


def exchange(url: str, raw: bytes, *, idle: float = 0.3) -> bytes:
    """Sends raw bytes; returns what came back, b"" if the server closed without answering.

    A server waiting for body bytes that will never come is told so by closing
    our side (after ``idle`` seconds of silence), which it must take calmly.
    """
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=idle) as sock:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        got, half_closed = b"", False
        while not complete(got):
            try:
                data = sock.recv(65536)
            except socket.timeout:
                if got or half_closed:
                    break
                sock.shutdown(socket.SHUT_WR)
                sock.settimeout(10)
                half_closed = True
                continue
            except ConnectionResetError:
                break
            if not data:
                break
            got += data
        return got


def complete(raw: bytes) -> bool:
    """Returns whether raw holds a whole response whose length its head gives."""
    head, found, body = raw.partition(b"\r\n\r\n")
    if not found:
        return False
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(length) and len(body) >= int(length.group(1))


def parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    assert re.match(r"HTTP/1\.[01] \d{3}", status_line), status_line
    headers = dict(line.lower().split(": ", 1) for line in lines if ": " in line)
    return Answer(int(status_line.split(" ")[1]), headers, body)


# The services -----------------------------------------------------------------


@pytest.fixture(scope="module")
def web(tmp_path_factory, assistant):
    """The public service in front of the running assistant, with room for the fuzz."""
    yield from start_web_service(
        tmp_path_factory.mktemp("hostile-web"),
        "public",
        assistant,
        WEB_SESSION_SECRET=SECRET,
        WEB_ALLOWED_ORIGINS=ALLOWED_ORIGIN,
        WEB_REQUESTS_PER_MINUTE="100000",
    )


@pytest.fixture(scope="module")
def senders(web) -> List[str]:
    """A few real conversations, so a long fuzz does not make one huge tracker."""
    return [send_json(web.url, "/api/session", {}).json()["sender"] for _ in range(6)]


@pytest.fixture(scope="module")
def staff(tmp_path_factory, assistant):
    """The staff API on the concern store the assistant's action server writes to."""
    yield from start_web_service(
        tmp_path_factory.mktemp("hostile-staff"),
        "staff",
        CONCERNS_DATA_DIR=str(assistant.concerns_dir),
    )


@pytest.fixture(scope="module")
def store(assistant):
    return Settings.from_env({"CONCERNS_DATA_DIR": str(assistant.concerns_dir)}).open_store()


@pytest.fixture(scope="module")
def token(store, staff) -> str:
    return store.accounts.issue_staff_token(
        "officer.fuzz.invented", actor="admin", reason="test set-up"
    )


def staff_headers(token: str) -> Dict[str, object]:
    return {"Authorization": f"Bearer {token}"}


# What hostile input looks like ------------------------------------------------

INJECTIONS = [
    "'; DROP TABLE concerns; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "{reference}",
    "{slot}",
    "${x}",
    "%s%s%s%n",
    "{0.__class__.__mro__}",
    '/inform{"x":1}',
    '/inform{"choice": "anonymous"}',
    "/restart",
    "/session_start",
    "/greet",
    "//",
    "\u202e\u200f\u200e",
    "\x00",
    "\ufeff",
    "\r\n\r\n",
    "\x1b[2J\x07",
    "../../etc/passwd",
    "\U0001f600",
    "\\u0000",
]
# Any code point at all: controls, NUL, unassigned, and lone surrogates
# (json.dumps writes these as \\ud800-style escapes, as a hostile client can).
any_character = st.characters(blacklist_categories=())
hostile_text = st.one_of(
    st.text(max_size=120),
    st.text(any_character, max_size=60),
    st.lists(st.sampled_from(INJECTIONS) | st.text(any_character, max_size=8), max_size=8).map(
        "".join
    ),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | hostile_text,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.sampled_from(["sender", "message"]) | hostile_text, inner, max_size=5)
    ),
    max_leaves=20,
)
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=latin-1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=invented",
    "application/json\x7f",
    "",
]


def has_surrogate(text: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in text)


# 1. The public service: JSON and text ------------------------------------------


def test_any_json_value_as_the_chat_body(web, senders):
    """Bodies of any JSON shape: a plain 400 (or 413), never a crash."""

    @FUZZ
    @given(
        body=json_values
        | st.fixed_dictionaries(
            {"sender": st.sampled_from(senders)}, optional={"message": json_values}
        )
    )
    @example(body=[])
    @example(body={"sender": None, "message": None})
    @example(body={"sender": senders[0], "message": ["hi"]})
    @example(body={"sender": senders[0], "message": {"text": "hi"}})
    def attempt(body):
        tried("JSON body: /api/chat")
        answer = send_json(web.url, "/api/chat", body)
        check(answer, {200, 400, 413})
        if answer.status == 200:
            assert isinstance(body, dict) and isinstance(body.get("message"), str), body

    attempt()
    still_up(web.url, "/health")


def test_any_json_value_as_the_session_body(web):
    """A new conversation ignores its body, whatever it is (each one reaches Rasa)."""

    @settings(FUZZ, max_examples=40)
    @given(body=json_values)
    def attempt(body):
        tried("JSON body: /api/session")
        check(send_json(web.url, "/api/session", body), {200, 413})

    attempt()
    still_up(web.url, "/health")


def test_any_text_as_a_message(web, senders):
    """Text of any kind reaches the assistant as plain words; the reply keeps its shape."""
    conversations = itertools.cycle(senders)

    @FUZZ
    @given(message=hostile_text)
    @example(message="a" * MESSAGE_LIMIT)
    @example(message="a" * (MESSAGE_LIMIT + 1))
    @example(message=" \t\r\n\x1c\x1d\x1e\x1f\u2028\u3000")
    @example(message='/inform{"x":1}')
    @example(message="/restart")
    @example(message="\ud800 lone surrogate \udfff")
    @example(message="my friend said '; DROP TABLE concerns; -- {{7*7}} <script>alert(1)</script>")
    def attempt(message):
        tried("message text")
        answer = send_json(
            web.url, "/api/chat", {"sender": next(conversations), "message": message}
        )
        if has_surrogate(message):
            check(answer, {200, 400, 413})
        elif len(message) > MESSAGE_LIMIT:
            check(answer, {413})
        elif not message.strip():
            check(answer, {400})
        else:
            check(answer, {200})
        if answer.status == 200:
            replies = answer.json()
            assert replies and all(
                set(reply) == {"text", "buttons"} and isinstance(reply["text"], str)
                for reply in replies
            ), replies

    attempt()
    still_up(web.url, "/health")


def test_any_sender_is_refused_as_unknown(web):
    """Only ids this service issued and signed can talk; anything else is a plain 400."""

    @FUZZ
    @given(sender=json_values | hostile_text)
    @example(sender=new_conversation_id(b"another service's secret"))
    @example(sender="A" * 32 + "." + "B" * 22)
    @example(sender="../" * 20)
    def attempt(sender):
        tried("sender")
        answer = send_json(web.url, "/api/chat", {"sender": sender, "message": "hello"})
        check(answer, {400})

    attempt()
    still_up(web.url, "/health")


# 2. The public service: bytes, sizes and HTTP heads ------------------------------


def test_any_bytes_with_any_content_type(web, senders):
    """Raw bytes (invalid UTF-8 too) under any Content-Type, or none: a plain 400."""

    @FUZZ
    @given(
        body=st.binary(max_size=300)
        | st.text(any_character, max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass"))
        | st.builds(
            lambda raw: b'{"sender": "' + senders[0].encode() + b'", "message": "' + raw + b'"}',
            st.binary(max_size=60),
        ),
        content_type=st.sampled_from(CONTENT_TYPES),
    )
    @example(body=b"\xff\xfe\x00not utf-8", content_type="application/json")
    @example(body=b'{"sender": "x", "message": "\xc0\xaf"}', content_type="application/json")
    @example(body=b"sender=x&message=hi", content_type="application/x-www-form-urlencoded")
    def attempt(body, content_type):
        headers = {} if content_type is None else {"Content-Type": content_type}
        tried("raw body")
        check(send(web.url, "/api/chat", body, headers=headers), {200, 400, 413})

    attempt()
    still_up(web.url, "/health")


def huge_upload(url: str, size: int, *, chunked: bool) -> bytes:
    """Offers a body of ``size`` bytes; returns the answer, b"" if there was none.

    With a length, only the head is sent: the service must refuse on the length
    alone, before any of the body comes. In chunks, one chunk just over the
    limit is sent and then nothing: the service must count what it reads and
    refuse. Either way it has read all that was sent, so its answer is never
    lost to a reset of a connection holding unread data.
    """
    parts = urllib.parse.urlsplit(url)
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
    head = b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head % framing)
        if chunked:
            data = b"a" * (PUBLIC_BODY_LIMIT + 1)
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        got = b""
        while not complete(got):
            data = sock.recv(65536)
            if not data:
                break
            got += data
        return got


def test_huge_bodies_are_refused_unread(web):
    """Bodies over 64 KB, up to several MB, with a length or in chunks: 413."""

    @settings(FUZZ, max_examples=12)
    @given(
        size=st.integers(min_value=PUBLIC_BODY_LIMIT + 1, max_value=6 * 1024 * 1024),
        chunked=st.booleans(),
    )
    @example(size=PUBLIC_BODY_LIMIT + 1, chunked=False)
    @example(size=5 * 1024 * 1024, chunked=True)
    def attempt(size, chunked):
        tried("huge body")
        check(parse(huge_upload(web.url, size, chunked=chunked)), {413})

    attempt()
    still_up(web.url, "/health")


def token_bytes(max_size: int = 40) -> st.SearchStrategy[bytes]:
    """Bytes with no space, CR or LF: one token of a request line."""
    return st.binary(min_size=1, max_size=max_size).map(
        lambda raw: raw.replace(b" ", b"_").replace(b"\r", b"_").replace(b"\n", b"_")
    )


BODY = b'{"sender": "not-a-conversation", "message": "hello"}'
# How the body's length is given: (header lines, body as sent). The ones that
# promise more than they send leave the server waiting until we close.
FRAMINGS = {
    "length": lambda body: ([b"Content-Length: %d" % len(body)], body),
    "none": lambda body: ([], body),
    "same length twice": lambda body: ([b"Content-Length: %d" % len(body)] * 2, body),
    "two lengths": lambda body: ([b"Content-Length: 2", b"Content-Length: %d" % len(body)], body),
    "length list": lambda body: ([b"Content-Length: %d, %d" % (len(body), len(body))], body),
    "negative length": lambda body: ([b"Content-Length: -1"], body),
    "huge length": lambda body: ([b"Content-Length: 99999999999999999999999"], body),
    "length not a number": lambda body: ([b"Content-Length: abc"], body),
    "length with a plus": lambda body: ([b"Content-Length: +%d" % len(body)], body),
    "length too long": lambda body: ([b"Content-Length: %d" % (len(body) + 50)], body),
    "chunks": lambda body: (
        [b"Transfer-Encoding: chunked"],
        b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body),
    ),
    "chunk size not hex": lambda body: (
        [b"Transfer-Encoding: chunked"],
        b"zz\r\n%s\r\n0\r\n\r\n" % body,
    ),
    "chunk size negative": lambda body: (
        [b"Transfer-Encoding: chunked"],
        b"-5\r\n%s\r\n0\r\n\r\n" % body,
    ),
    "chunk size huge": lambda body: (
        [b"Transfer-Encoding: chunked"],
        b"ffffffffffffffff\r\n%s\r\n" % body,
    ),
    "chunk too short": lambda body: (
        [b"Transfer-Encoding: chunked"],
        b"ff\r\n%s\r\n0\r\n\r\n" % body,
    ),
    "chunk without end": lambda body: (
        [b"Transfer-Encoding: chunked"],
        b"%x\r\n%s\r\n" % (len(body), body),
    ),
    "chunk extension": lambda body: (
        [b"Transfer-Encoding: chunked"],
        b"%x;a=%s\r\n%s\r\n0\r\n\r\n" % (len(body), b"b" * 80, body),
    ),
    "chunks and a length": lambda body: (
        [b"Transfer-Encoding: chunked", b"Content-Length: 5"],
        b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body),
    ),
    "chunked twice": lambda body: (
        [b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"],
        b"0\r\n\r\n",
    ),
    "other encoding": lambda body: ([b"Transfer-Encoding: gzip"], body),
    "encoding in capitals": lambda body: ([b"Transfer-Encoding: Chunked"], body),
    "encoding list": lambda body: ([b"Transfer-Encoding: gzip, chunked"], body),
}
HEADER_TRICKS = [
    b"Host: ",
    b"Host: evil.example.invalid",
    b"Host: 127.0.0.1:99999",
    b"Host: [::1",
    b"Host: \xff\xfe",
    b"Host: a" + b"a" * 5000,
    b"Origin: null",
    b"Origin: " + ALLOWED_ORIGIN.encode() + b"/",
    b"Origin: " + ALLOWED_ORIGIN.encode() + b".evil.example.invalid",
    b"Origin: https://evil.example.invalid",
    b"Origin: http://\xff",
    b"Origin: " + ALLOWED_ORIGIN.encode(),
    b"X-Invented: a\rb",
    b"X-Invented: a\nInjected: yes",
    b"X-Invented: " + b"v" * 9000,
    b"X-" + b"n" * 9000 + b": v",
    b" folded continuation line",
    b"No colon at all",
    b": no name",
    b"X-Invented:\x00\x01\x7f",
    b"Connection: keep-alive",
    b"Connection: close",
    b"Content-Type: text/html",
    b"Upgrade: websocket",
]
header_line = st.sampled_from(HEADER_TRICKS) | st.builds(
    lambda name, value: name + b": " + value, token_bytes(20), st.binary(max_size=60)
)


@st.composite
def raw_requests(draw) -> bytes:
    method = draw(
        st.sampled_from([b"GET", b"POST", b"OPTIONS", b"PUT", b"HEAD", b"DELETE", b"TRACE"])
        | token_bytes(10)
    )
    target = draw(
        st.sampled_from(
            [b"/api/chat", b"/health", b"/", b"/widget/widget.js", b"/api/nothing", b"*"]
            + [b"http://127.0.0.1/api/chat", b"/api/chat?%ff=%zz&&==", b"/widget/%00"]
        )
        | token_bytes(40).map(lambda raw: b"/" + raw)
    )
    version = draw(
        st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"http/1.1", b"HTTP/1.1 x"])
    )
    body = draw(st.sampled_from([BODY, b"", b"{}"]) | st.binary(max_size=200))
    framing_lines, sent_body = FRAMINGS[draw(st.sampled_from(sorted(FRAMINGS)))](body)
    lines = [b"Host: 127.0.0.1", b"Connection: close"] + framing_lines
    for trick in draw(st.lists(header_line, max_size=4)):
        lines.insert(draw(st.integers(0, len(lines))), trick)
    end = draw(st.sampled_from([b"\r\n"] * 5 + [b"\n"]))
    return b" ".join([method, target, version]) + end + end.join(lines) + end + end + sent_body


def test_hostile_http_heads_over_a_raw_socket(web):
    """Broken framing, duplicate lengths, bad chunks, CR/LF in values, long lines, odd
    Host and Origin: a documented status, or a closed connection, and the service lives."""

    @settings(FUZZ, max_examples=200)
    @given(raw=raw_requests())
    @example(raw=b"POST /api/chat HTTP/1.1\r\nContent-Length: -1\r\n\r\n" + BODY)
    @example(raw=b"POST /api/chat HTTP/1.1\r\nContent-Length: abc\r\n\r\n" + BODY)
    @example(raw=b"POST /api/chat HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n" + BODY)
    @example(raw=b"GET /health HTTP/1.1\r\nContent-Length: -5\r\n\r\n")
    @example(raw=b"\x00\xff\r\n\r\n")
    @example(raw=b"GET /widget/\xff HTTP/1.1\r\nConnection: close\r\n\r\n")
    def attempt(raw):
        tried("raw HTTP head")
        got = exchange(web.url, raw)
        if not got:
            still_up(web.url, "/health")
            return
        answer = parse(got)
        is_file = answer.status == 200 and not answer.headers.get("content-type", "").startswith(
            "application/json"
        )
        check(answer, PUBLIC_STATUSES, json_body=not is_file and not raw.startswith(b"HEAD"))

    attempt()
    still_up(web.url, "/health")


path_text = st.text(any_character.filter(lambda c: not "\ud800" <= c <= "\udfff"), max_size=40)


def test_any_path_gets_a_plain_answer_and_no_file_from_elsewhere(web):
    """Any path, under the widget and demo files too: a file served is one of ours."""
    ours = {path.read_bytes() for path in STATIC_DIR.rglob("*") if path.is_file()}

    @FUZZ
    @given(
        prefix=st.sampled_from(
            ["/", "/widget/", "/demo/", "/api/", "/health/", "/widget/widget.js/"]
        ),
        rest=path_text
        | st.sampled_from(
            ["..", "../..", "../../bot/web/public.py", "%2e%2e/%2e%2e/README.md", "."]
        ),
        method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
        quoted=st.booleans(),
    )
    @example(prefix="/widget/", rest="", method="GET", quoted=True)
    @example(prefix="/widget/", rest="\x00", method="GET", quoted=True)
    @example(prefix="/widget/", rest="a" * 300, method="GET", quoted=True)
    @example(prefix="/demo/", rest="index.html/x", method="GET", quoted=False)
    def attempt(prefix, rest, method, quoted):
        printable = all(33 <= ord(character) < 127 for character in rest)
        path = prefix + (rest if printable and not quoted else urllib.parse.quote(rest, safe="/"))
        tried("path")
        answer = send(web.url, path, method=method, headers={"Content-Length": "0"})
        content_type = answer.headers.get("content-type", "")
        is_file = answer.status == 200 and not content_type.startswith("application/json")
        check(answer, PUBLIC_STATUSES, json_body=not is_file and method != "HEAD")
        if is_file and method == "GET" and answer.body:
            assert answer.body in ours, path

    attempt()
    still_up(web.url, "/health")


def test_any_origin_is_allowed_only_if_configured(web):
    """Only the configured force site gets CORS; any other Origin is a 403 without it."""

    @FUZZ
    @given(
        origin=st.sampled_from(
            [ALLOWED_ORIGIN, ALLOWED_ORIGIN + "/", "null", "https://evil.example.invalid"]
        )
        | st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60),
        method=st.sampled_from(["POST", "OPTIONS"]),
    )
    def attempt(origin, method):
        tried("origin")
        answer = send(
            web.url,
            "/api/chat",
            b"{}",
            method=method,
            headers={"Origin": origin.encode("latin-1"), "Content-Type": "application/json"},
        )
        # As a browser's Origin reaches the service: trimmed, trailing slash
        # dropped. None, the force's site, or another site.
        header = origin.strip(" \t")
        sent = header.rstrip("/")
        ours = header == "" or sent == ALLOWED_ORIGIN
        if not ours:
            check(answer, {403})
        else:
            # Let through: a preflight is answered, an empty chat body refused as such.
            check(answer, {204} if method == "OPTIONS" else {400})
        allowed = answer.headers.get("access-control-allow-origin")
        assert allowed == (ALLOWED_ORIGIN if sent == ALLOWED_ORIGIN else None)

    attempt()
    still_up(web.url, "/health")


# 3. The staff API --------------------------------------------------------------


def refusals(store) -> int:
    return sum(entry["action"] == "api_refused" for entry in store.audit.audit_trail())


header_value = st.binary(max_size=80).map(
    lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"").strip(b" \t")
)


def test_any_authorization_is_refused_and_every_refusal_audited(staff, store, token):
    """Whatever the Authorization header says, only a real token reads; each refusal is audited."""
    before, refused = refusals(store), []

    @FUZZ
    @given(
        value=header_value
        | st.builds(lambda raw: b"Bearer " + raw, header_value)
        | st.builds(lambda raw: b"Bearer " + token.encode() + raw, header_value.filter(bool))
        | st.sampled_from(
            [
                b"Bearer",
                b"Bearer ",
                b"bearer " + new_conversation_id(b"public secret").encode(),
                b"Basic b2ZmaWNlcjpwYXNzd29yZA==",
                b"Bearer ' OR '1'='1",
                b"Bearer " + b"x" * 5000,
                b"Bearer \x00",
                b"Bearer \xff\xfe",
            ]
        ),
        path=st.sampled_from(
            [
                "/staff/concerns?reason=fuzz",
                "/staff/concerns/CON-ZZZZ-ZZZZ?reason=fuzz",
                "/staff/insight",
                "/staff/insight/counts",
            ]
        ),
    )
    def attempt(value, path):
        tried("staff Authorization")
        answer = send(staff.url, path, method="GET", headers={"Authorization": value})
        # Read as the staff API reads it: "<scheme> <token>", the token stripped.
        scheme, _, given_token = value.decode("utf-8", "surrogateescape").partition(" ")
        if scheme.lower() == "bearer" and given_token.strip() == token:
            # The insight page is the one HTML answer of the staff API.
            check(answer, {200, 404}, json_body=path != "/staff/insight")
        else:
            check(answer, {401, 403})
            refused.append(answer.status)

    attempt()
    assert refusals(store) - before == len(refused)
    still_up(staff.url, "/staff/health")


def test_any_reference_in_the_path(staff, token):
    """Any reference (URL-quoted): unknown is a 404, odd a 400 or 404, never a crash."""

    @FUZZ
    @given(
        reference=hostile_text.filter(lambda text: not has_surrogate(text))
        | st.sampled_from(
            ["CON-ZZZZ-ZZZZ", "con-zzzz-zzzz", "CON-" + "A" * 500, "..", "%00", "a/b"]
        ),
        reviewed=st.booleans(),
    )
    @example(reference="", reviewed=False)
    @example(reference="\x00", reviewed=True)
    def attempt(reference, reviewed):
        path = "/staff/concerns/" + urllib.parse.quote(reference, safe="")
        tried("staff reference")
        if reviewed:
            body = json.dumps({"reason": "fuzz"}).encode()
            headers = {**staff_headers(token), "Content-Type": "application/json"}
            answer = send(staff.url, path + "/reviewed", body, headers=headers)
        else:
            answer = send(
                staff.url, path + "?reason=fuzz", method="GET", headers=staff_headers(token)
            )
        check(answer, {200, 400, 404, 405} if reference in ("", ".", "..") else {400, 404, 405})

    attempt()
    still_up(staff.url, "/staff/health")


def test_any_query_and_body_for_reviewed(staff, store, token):
    """Any query string and any JSON (or bytes) as the body of /reviewed: 200 with a reason."""
    reference = store.submissions.submit(
        {"noticed": "an invented concern", "location": "Invented Lane"}
    ).reference

    @FUZZ
    @given(
        query=st.text(
            any_character.filter(lambda c: not "\ud800" <= c <= "\udfff"), max_size=60
        ).map(lambda text: urllib.parse.quote(text, safe="=&;%+")),
        body=json_values.map(lambda value: json.dumps(value).encode())
        | st.binary(max_size=100)
        | st.integers(16 * 1024 - 20, 40 * 1024).map(
            lambda size: b'{"reason": "' + b"r" * size + b'"}'
        ),
    )
    @example(query="reason=%00", body=b"")
    @example(query="reason=", body=b'{"reason": "\\u0000"}')
    @example(query="reason[]=a&reason=b", body=b'{"reason": ["a"]}')
    def attempt(query, body):
        tried("staff reviewed query and body")
        answer = send(
            staff.url,
            f"/staff/concerns/{reference}/reviewed?{query}",
            body,
            headers={**staff_headers(token), "Content-Type": "application/json"},
        )
        check(answer, {200, 400, 413})
        if answer.status == 200:
            assert answer.json() == {"reference": reference, "status": "reviewed"}

    attempt()
    still_up(staff.url, "/staff/health")


# 4. Injection typed into the report form ------------------------------------------


class WebConversation(Conversation):
    """One person's chat through the public service, as the widget sends it."""

    def __init__(self, web) -> None:
        self.url = web.url
        self.sender = send_json(web.url, "/api/session", {}).json()["sender"]

    def say(self, message: str) -> str:
        answer = send_json(self.url, "/api/chat", {"sender": self.sender, "message": message})
        assert answer.status == 200, answer.body
        self.replies = answer.json()
        return texts(self.replies)


# Typed answers the language model takes as answers (a danger word would
# rightly pause the report for 999 first).
NOTICED = (
    "she seems withdrawn; her post had '; DROP TABLE concerns; -- "
    "and <img src=x onerror=alert(1)> in it (invented)"
)
HOW_LONG = "{{7*7}} weeks, since {reference} and ${x} {slot}"
WHERE = "Invented Road \x07\x1b[31m\u202eRTL\u200f <script>alert(1)</script>\x7f\x00 end"


def test_injection_typed_into_the_report_is_stored_and_read_back_as_text(web, staff, token):
    """SQL, HTML, template syntax and control characters typed as answers are kept
    as the exact text typed, shown back as text, and read by the staff API unchanged."""
    chat = WebConversation(web)
    chat.say("my neighbour has kept her curtains shut all week (invented)")
    chat.say("/deny")
    chat.say("/want_to_report")
    chat.say(NOTICED)
    chat.say(HOW_LONG)
    chat.say(WHERE)
    chat.say("/deny")
    summary = chat.say('/inform{"choice": "anonymous"}')
    for typed in (NOTICED, HOW_LONG, WHERE):
        assert typed in summary, "the summary shows each answer as typed"
    reference = RECEIPT.search(chat.say("/affirm")).group(1)

    answer = send(
        staff.url,
        f"/staff/concerns/{reference}?reason=checking+injection+test",
        method="GET",
        headers=staff_headers(token),
    )
    check(answer, {200})
    assert answer.headers["content-type"].startswith("application/json")
    report = answer.json()
    assert (report["noticed"], report["how_long"], report["location"]) == (NOTICED, HOW_LONG, WHERE)
    assert report["reference"] == reference


# 5. The console's forms and cookies ------------------------------------------------

CONSOLE_STATUSES = {200, 303, 400, 401, 403, 404, 405, 413}
FORM_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=invented",
    "multipart/form-data",
    "text/plain",
    None,
]
form_values = hostile_text.filter(lambda text: not has_surrogate(text))


@pytest.fixture(scope="module")
def signed_in(staff, store):
    """A supervisor's live console session: its cookie and its CSRF token."""
    console = Console(staff.url)
    console.sign_in_for_work(new_account(store, "supervisor"))
    return {
        "cookie": f"{session_cookie_name()}={console.http.cookies.get(session_cookie_name())}",
        "csrf": console.csrf,
    }


def console_check(answer: Answer) -> None:
    """A documented status, nothing leaked, and an HTML page or a redirect."""
    check(answer, CONSOLE_STATUSES, json_body=False)
    if answer.status != 303 and answer.body:
        assert answer.headers["content-type"].startswith("text/html"), answer.headers


def test_any_cookie_on_a_console_page_leads_to_sign_in(staff):
    """Any cookie header, however odd: back to the sign-in page, never in, never a crash."""

    @FUZZ
    @given(
        value=header_value
        | st.builds(lambda raw: session_cookie_name().encode() + b"=" + raw, header_value)
        | st.sampled_from(
            [
                session_cookie_name().encode() + b"=",
                session_cookie_name().encode() + b"=" + b"x" * 5000,
                session_cookie_name().encode() + b'="\\x00"',
                b"; ; ;==",
                b"\xff\xfe=\x00",
            ]
        ),
        route=st.sampled_from(
            [
                ("GET", "/console/concerns"),
                ("GET", "/console/audit"),
                ("POST", "/console/export"),
                ("POST", "/console/sign-out"),
            ]
        ),  # fmt: skip
    )
    def attempt(value, route):
        method, path = route
        tried("console cookie")
        answer = send(staff.url, path, b"", method=method, headers={"Cookie": value})
        console_check(answer)
        assert answer.status in (303, 400, 413), answer.status
        if answer.status == 303:
            assert answer.headers["location"].startswith("/console/sign-in")

    attempt()
    still_up(staff.url, "/staff/health")


def test_any_sign_in_form_is_refused_plainly_and_audited(staff, store):
    """Any name, password and code (as any body): refused, audited, never a crash."""
    before = sum(row["action"] == "sign_in_refused" for row in store.audit.audit_trail())
    refused = []

    @FUZZ
    @given(
        name=form_values,
        password=form_values,
        code=form_values,
        content_type=st.sampled_from(FORM_TYPES),
        raw=st.none() | st.binary(max_size=200),
    )
    @example(name="'; DROP TABLE console_accounts; --", password="x", code="1",
             content_type=FORM_TYPES[0], raw=None)  # fmt: skip
    def attempt(name, password, code, content_type, raw):
        tried("console sign-in form")
        token = "fuzz-form-token"
        body = (
            raw
            if raw is not None
            else urllib.parse.urlencode(
                {"form_token": token, "name": name, "password": password, "code": code}
            ).encode()
        )
        headers = {"Cookie": f"{sign_in_cookie_name()}={token}"}
        if content_type:
            headers["Content-Type"] = content_type
        answer = send(staff.url, "/console/sign-in", body, headers=headers)
        console_check(answer)
        assert answer.status in (200, 400, 401, 413), answer.status
        assert (
            "set-cookie" not in answer.headers
            or session_cookie_name() + "=" not in (answer.headers["set-cookie"].split(";")[0])
        )
        if answer.status == 401:
            refused.append(name)

    attempt()
    after = sum(row["action"] == "sign_in_refused" for row in store.audit.audit_trail())
    assert after - before == len(refused) and refused
    still_up(staff.url, "/staff/health")


def test_any_console_form_from_a_signed_in_officer(staff, store, signed_in):
    """Any fields, with or without the CSRF token, as any body, to every console form."""
    reference = store.submissions.submit(
        {"noticed": "invented: fuzzed report", "warning_signs": ["phone switched off"]}
    ).reference

    @FUZZ
    @given(
        path=st.sampled_from(
            [
                f"/console/concerns/{reference}",
                f"/console/concerns/{reference}/triage",
                "/console/concerns/CON-ZZZZ-ZZZZ/triage",
                "/console/export",
                "/console/accounts",
                "/console/accounts/nobody.invented/unlock",
                "/console/accounts/nobody.invented/rename",
                "/console/password",
                "/console/concerns/CON-ZZZZ-ZZZZ/erase",
            ]
        ),
        values=st.dictionaries(
            st.sampled_from(
                [
                    "reason",
                    "priority",
                    "outcome",
                    "case_number",
                    "note",
                    "reference",
                    "format",
                    "name",
                    "role",
                    "confirm",
                    "current_password",
                    "new_password",
                ]
            )
            | form_values,
            form_values
            | st.sampled_from(
                [
                    "urgent",
                    "welfare_check",
                    "linked_to_case",
                    "no_further_action",
                    "csv",
                    "json",
                    "supervisor",
                ]
            ),
            max_size=6,
        ),  # fmt: skip
        with_csrf=st.booleans(),
        content_type=st.sampled_from(FORM_TYPES),
        raw=st.none() | st.binary(max_size=200),
    )
    def attempt(path, values, with_csrf, content_type, raw):
        tried("console forms")
        fields = {**values, **({"csrf_token": signed_in["csrf"]} if with_csrf else {})}
        body = raw if raw is not None else urllib.parse.urlencode(fields).encode()
        headers = {"Cookie": signed_in["cookie"]}
        if content_type:
            headers["Content-Type"] = content_type
        answer = send(staff.url, path, body, headers=headers)
        console_check(answer)
        if not with_csrf or raw is not None:
            assert answer.status in (403, 413), (answer.status, answer.body[:200])

    attempt()
    assert store.review.read(reference, actor="check", reason="still there")
    still_up(staff.url, "/staff/health")


def test_the_number_of_hostile_inputs_tried_is_reported(capsys):
    """The figure for the security report (also in results/hostile-inputs.json)."""
    assert TRIED, "run the whole module: the properties above count what they try"
    with capsys.disabled():
        print(f"\nhostile inputs tried: {sum(TRIED.values())}")
        for prop, count in sorted(TRIED.items()):
            print(f"  {prop}: {count}")
