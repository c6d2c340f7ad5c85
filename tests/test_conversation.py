"""The whole assistant, running: Rasa server and action server, spoken to over REST.

These tests start both servers on free loopback ports with the model that
`make test` trained, so they check what a person would actually see.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL = PROJECT_DIR / "models" / "welfare.tar.gz"
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 180
CANONICAL_SIGNS = {
    "withdrawn",
    "curtains_closed",
    "not_leaving_house",
    "phone_off",
    "injuries",
    "controlled",
    "followed",
    "unwanted_contact",
    "fearful",
    "shouting",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url: str, body: dict | None = None, timeout: float = 30) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"server did not start within {START_TIMEOUT_SECONDS}s; see {log}")


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory) -> Iterator[str]:
    """Starts the action server and the Rasa server; returns the Rasa base URL."""
    assert MODEL.exists(), f"{MODEL} is missing: run `make train` (make test does) first"
    workdir = tmp_path_factory.mktemp("servers")
    action_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = {**os.environ, "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(PROJECT_DIR)}
    commands = {
        "actions": [
            sys.executable,
            "-m",
            "rasa_sdk",
            "--actions",
            "actions",
            "--port",
            str(action_port),
        ],
        "rasa": [
            str(VENV_BIN / "rasa"),
            "run",
            "--model",
            str(MODEL),
            "--enable-api",
            "--interface",
            "127.0.0.1",
            "--port",
            str(rasa_port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            "credentials.yml",
        ],
    }
    processes: List[subprocess.Popen] = []
    try:
        for name, command in commands.items():
            log = workdir / f"{name}.log"
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=PROJECT_DIR,
                    env=env,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
        wait_until_up(
            f"http://127.0.0.1:{action_port}/health", processes[0], workdir / "actions.log"
        )
        wait_until_up(f"http://127.0.0.1:{rasa_port}/status", processes[1], workdir / "rasa.log")
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def say(rasa_url: str, message: str, sender: str | None = None) -> List[dict]:
    status, replies = request(
        f"{rasa_url}/webhooks/rest/webhook",
        {"sender": sender or uuid.uuid4().hex, "message": message},
    )
    assert status == 200, replies
    return replies


def texts(replies: List[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def parse(rasa_url: str, text: str) -> dict:
    status, result = request(f"{rasa_url}/model/parse", {"text": text})
    assert status == 200, result
    return result


@pytest.mark.parametrize(
    ("text", "intent", "signs"),
    [
        (
            "my neighbour's curtains have been shut for days",
            "describe_warning_sign",
            {"curtains_closed"},
        ),
        (
            "her phone is always off and she's stopped seeing her friends",
            "describe_warning_sign",
            {"phone_off", "withdrawn"},
        ),
        ("there's a man with a knife outside her door right now", "immediate_danger", set()),
        ("actually it's me, he follows me everywhere", "self_victim", {"followed"}),
    ],
)
def test_model_parse_follows_the_understanding_contract(rasa_url, text, intent, signs):
    result = parse(rasa_url, text)
    assert result["intent"]["name"] == intent
    values = {e["value"] for e in result["entities"] if e["entity"] == "warning_sign"}
    assert signs <= values <= CANONICAL_SIGNS


def test_signs_are_said_back_in_plain_words(rasa_url):
    replies = say(rasa_url, "my friend's curtains are always closed and she has bruises")
    reply = texts(replies)
    assert "keeping the curtains closed" in reply and "injuries" in reply
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/affirm", "/deny"]


def test_danger_in_the_middle_of_a_conversation_gets_999_first(rasa_url):
    sender = uuid.uuid4().hex
    say(rasa_url, "my sister seems scared of her boyfriend", sender)
    replies = say(rasa_url, "he's kicking the door in right now", sender)
    assert "999" in replies[0]["text"].split(".")[0]


def test_the_support_list_comes_from_the_agency_file(rasa_url):
    reply = texts(say(rasa_url, "who else can i talk to? any helplines?"))
    assert "National Stalking Helpline: 0808 802 0300" in reply


BAD_INPUTS = [
    "",
    "   ",
    "\n\t",
    "a" * 10_000,
    "my neighbour never opens her curtains " * 270,
    "\U0001f622\U0001f622\U0001f622",
    "\u6211\u7684\u90bb\u5c45\u5f88\u5bb3\u6015",
    "\u0645\u0631\u062d\u0628\u0627 \u0643\u064a\u0641 \u062d\u0627\u0644\u0643",
    "<script>alert('x')</script>",
    "<b>bold</b> <img src=x onerror=alert(1)>",
    "'; DROP TABLE concerns; --",
    "1 OR 1=1",
    "{{7*7}} ${7*7} {new_signs}",
    "\u0000\u0007\u001b[31m",
    '/nonexistent_intent{"x": 1}',
]
# "/restart" is left out on purpose: Rasa reads "/intent" text as a button
# payload, and /restart silently starts a new conversation. The public web
# service filters such text before it reaches Rasa.


@pytest.mark.parametrize("message", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_gets_a_sensible_reply(rasa_url, message):
    replies = say(rasa_url, message)
    reply = texts(replies)
    assert reply.strip(), "the assistant must never be silent"
    assert "Traceback" not in reply and "Exception" not in reply
    assert "999" in reply or "101" in reply or "?" in reply
