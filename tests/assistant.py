"""Starting the whole assistant for tests: Rasa server and action server on loopback.

Both servers start on free loopback ports with the model that `make test`
trained, and the action server keeps its concern store in a temporary
directory, so the tests check what a person would actually see and what the
concern team would actually receive.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL = PROJECT_DIR / "models" / "welfare.tar.gz"
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 180


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


@dataclass(frozen=True)
class Assistant:
    """Where the running assistant answers, and where its concern store lives."""

    url: str
    concerns_dir: Path


def start_assistant(workdir: Path) -> Iterator[Assistant]:
    """Starts the action server and the Rasa server; yields them, then stops both."""
    assert MODEL.exists(), f"{MODEL} is missing: run `make train` (make test does) first"
    action_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    concerns_dir = workdir / "concerns"
    env = {
        **os.environ,
        "SANIC_HOST": "127.0.0.1",
        "PYTHONPATH": str(PROJECT_DIR),
        "CONCERNS_DATA_DIR": str(concerns_dir),
    }
    for name in ("CONCERNS_DATABASE_URL", "CONCERNS_KEY", "CONCERNS_KEY_FILE"):
        env.pop(name, None)
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
        yield Assistant(f"http://127.0.0.1:{rasa_port}", concerns_dir)
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


@dataclass(frozen=True)
class WebService:
    """A running web service (public or staff): its URL, its log, its data directory."""

    url: str
    log: Path
    data_dir: Path


def start_web_service(
    workdir: Path, service: str, rasa_url: str = "", **settings: str
) -> Iterator[WebService]:
    """Starts `python -m bot.web <service>` on a free loopback port; stops it afterwards."""
    port = free_port()
    data_dir = workdir / "data"
    log = workdir / f"{service}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_DIR),
        "CONCERNS_DATA_DIR": str(data_dir),
        "RASA_URL": rasa_url or f"http://127.0.0.1:{free_port()}",
        **settings,
    }
    for name in ("CONCERNS_DATABASE_URL", "CONCERNS_KEY", "CONCERNS_KEY_FILE"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.web", service, "--port", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        health = "/health" if service == "public" else "/staff/health"
        wait_until_up(f"http://127.0.0.1:{port}{health}", process, log)
        yield WebService(f"http://127.0.0.1:{port}", log, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


# Tests check which response was given, by name, never its wording: the comms
# team rewords messages freely (docs/content-guide.md).
DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))


def opening_words(response: str) -> List[str]:
    """Returns, per variation, its first sentence up to any placeholder."""
    words = []
    for variation in DOMAIN["responses"][response]:
        first = re.split(r"(?<=[.?!])\s", variation["text"].strip())[0]
        words.append(first.split("{")[0].strip())
    return words


def said(text: str, response: str) -> bool:
    """Returns whether the text includes the named response (any variation)."""
    flat = " ".join(text.split())
    return any(" ".join(words.split()) in flat for words in opening_words(response))


def button_title(response: str, payload: str) -> str:
    """Returns the title of the response's button that sends the payload."""
    return next(
        button["title"]
        for variation in DOMAIN["responses"][response]
        for button in variation.get("buttons") or []
        if button["payload"] == payload
    )
