"""Starting the whole assistant for tests: Rasa server and action server on loopback.

Both servers start on free loopback ports with the model that `make test`
trained, and the action server keeps its concern store in a temporary
directory, so the tests check what a person would actually see and what the
concern team would actually receive.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Dict, Iterator, List, Optional, TypeVar, Union

import yaml

from bot.settings import STORE_SETTINGS, endpoints_with_actions_at
from bot.understanding.phrases import load_warning_signs

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL = PROJECT_DIR / "models" / "welfare.tar.gz"
# The Polish assistant's model (issue 15), also trained by `make train`.
POLISH_MODEL = PROJECT_DIR / "models" / "welfare-pl.tar.gz"
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 180


Result = TypeVar("Result")


def run_coroutine(coroutine: Awaitable[Result]) -> Result:
    """Run a coroutine to the end, from any test.

    Once a browser test has run, Playwright's sync API keeps an event loop
    running in the main thread for the rest of the session, and
    `asyncio.run` refuses to start inside it; a thread of its own has none.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def end_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stops a process a test started: SIGTERM, then SIGKILL after ``timeout`` s."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(
    url: str, body: dict | None = None, timeout: float = 30, tls: ssl.SSLContext | None = None
) -> tuple[int, object]:
    """POSTs body as JSON (GETs without one); returns the status and the JSON answer.

    ``tls`` is the context that trusts the test proxy's throwaway certificate.
    """
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=tls) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def post_ok(url: str, body: dict) -> object:
    """Returns the JSON answer to a POST that must succeed."""
    status, answer = request(url, body, timeout=60)
    assert status == 200, status
    return answer


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


class Assistant:
    """The running Rasa server and action server, on loopback.

    Each can be stopped and started again by name ("rasa", "actions"), as the
    reliability tests do; conversations live in the sealed SQL tracker store,
    so they survive. Rasa's HTTP API is on for the tests, loopback only, and
    needs ``token``.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        rasa_servers: int = 1,
        endpoints: Optional[Path] = None,
        **settings: str,
    ) -> None:
        assert MODEL.exists(), f"{MODEL} is missing: run `make train` (make test does) first"
        self.workdir = workdir
        self.action_port = free_port()
        self.actions_url = f"http://127.0.0.1:{self.action_port}"
        # The first Rasa server is "rasa"; more, sharing the stores, "rasa-2"...
        self.rasa_names = ["rasa"] + [f"rasa-{n}" for n in range(2, rasa_servers + 1)]
        self.urls = [f"http://127.0.0.1:{free_port()}" for _ in self.rasa_names]
        self.url = self.urls[0]
        self.concerns_dir = workdir / "concerns"
        # Hex: a token starting with "-" would read as an option to `rasa run`.
        self.token = secrets.token_hex(24)
        # endpoints.yml names the action server's port; other endpoint files
        # (endpoints.scaled.yml) take it from ACTIONS_URL.
        endpoints_file = endpoints or workdir / "endpoints.yml"
        if endpoints is None:
            endpoints_file.write_text(endpoints_with_actions_at(self.actions_url))
        self.endpoints_file = endpoints_file
        self.env = {
            **os.environ,
            "SANIC_HOST": "127.0.0.1",
            "PYTHONPATH": str(PROJECT_DIR),
            "CONCERNS_DATA_DIR": str(self.concerns_dir),
            "ACTIONS_URL": self.actions_url,
        }
        for name in STORE_SETTINGS:
            self.env.pop(name, None)
        self.env.update(settings)
        self.commands = {
            "actions": [
                sys.executable,
                "-m",
                "bot.serve",
                "actions",
                "--actions",
                "actions",
                "--port",
                str(self.action_port),
            ],
        }
        self.health = {"actions": f"{self.actions_url}/health"}
        for name, url in zip(self.rasa_names, self.urls, strict=True):
            self.add_rasa(name, url, MODEL)
        self.processes: Dict[str, subprocess.Popen] = {}

    def add_rasa(self, name: str, url: str, model: Path) -> None:
        """Adds a Rasa server sharing the stores and the action server, to start by name.

        Another language's assistant is one of these with its own model: the
        conversations are shared, so a conversation can move between them.
        """
        # Started as `make run` starts it: bot.serve checks the model's hash.
        self.commands[name] = [
            sys.executable,
            "-m",
            "bot.serve",
            "rasa",
            "--model",
            str(model),
            "--enable-api",
            "--auth-token",
            self.token,
            "--interface",
            "127.0.0.1",
            "--port",
            url.rsplit(":", 1)[1],
            "--endpoints",
            str(self.endpoints_file),
            "--credentials",
            "credentials.yml",
        ]
        self.health[name] = f"{url}/"

    def start(self, *names: str) -> None:
        """Starts the named servers together and waits until each answers."""
        for name in names:
            log = self.workdir / f"{name}.log"
            self.processes[name] = subprocess.Popen(
                self.commands[name],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log.open("a"),
                stderr=subprocess.STDOUT,
            )
        for name in names:
            wait_until_up(self.health[name], self.processes[name], self.workdir / f"{name}.log")

    def stop(self, name: str) -> None:
        """Stops one server (SIGTERM, then SIGKILL after 20 s)."""
        process = self.processes.pop(name, None)
        if process is not None:
            end_process(process)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def logs(self) -> str:
        """Returns everything the servers have logged so far."""
        return "".join(
            (self.workdir / f"{name}.log").read_text(errors="replace")
            for name in self.commands
            if (self.workdir / f"{name}.log").exists()
        )


def start_assistant(workdir: Path, **options: Any) -> Iterator[Assistant]:
    """Starts the action server and the Rasa server(s); yields them, then stops all."""
    assistant = Assistant(workdir, **options)
    try:
        assistant.start("actions", *assistant.rasa_names)
        yield assistant
    finally:
        assistant.stop_all()


def say(rasa_url: str, message: str, sender: str | None = None) -> List[dict]:
    status, replies = request(
        f"{rasa_url}/webhooks/rest/webhook",
        {"sender": sender or uuid.uuid4().hex, "message": message},
    )
    assert status == 200, replies
    return replies


def texts(replies: List[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


# The receipt, found by the shapes of a reference and a phrase, not by wording.
RECEIPT = re.compile(
    r"(CON-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b.*?\b([a-z]+-[a-z]+-[a-z]+-\d{2})\b",
    re.DOTALL,
)


class Conversation:
    """One person's chat with the assistant."""

    def __init__(self, assistant: Assistant) -> None:
        self.url = assistant.url
        self.sender = uuid.uuid4().hex

    def say(self, message: str) -> str:
        self.replies: List[dict] = say(self.url, message, self.sender)
        return texts(self.replies)

    def buttons(self) -> List[str]:
        return [button["payload"] for reply in self.replies for button in reply.get("buttons", [])]


def parse(assistant: Assistant, text: str) -> dict:
    status, result = request(f"{assistant.url}/model/parse?token={assistant.token}", {"text": text})
    assert status == 200, result
    return result


@dataclass(frozen=True)
class WebService:
    """A running web service (public or staff): its URL, its log, its data directory."""

    url: str
    log: Path
    data_dir: Path


def web_service_command(service: str, port: int, workers: int = 1) -> List[str]:
    """Returns the command that starts a web service, as docs/deploy.md gives it."""
    return [
        sys.executable,
        "-m",
        "bot.web",
        service,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def start_web_service(
    workdir: Path,
    service: str,
    behind: Union[Assistant, str] = "",
    *,
    workers: int = 1,
    **settings: str,
) -> Iterator[WebService]:
    """Starts `python -m bot.web <service>` on a free loopback port; stops it afterwards.

    ``behind`` is the running assistant (its Rasa and action servers), or just
    a Rasa URL, in which case the action server is not checked.
    """
    if isinstance(behind, Assistant):
        rasa_url, actions_url = ",".join(behind.urls), behind.actions_url
    else:
        rasa_url, actions_url = behind, ""
    port = free_port()
    data_dir = workdir / "data"
    log = workdir / f"{service}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_DIR),
        "CONCERNS_DATA_DIR": str(data_dir),
        "RASA_URL": rasa_url or f"http://127.0.0.1:{free_port()}",
        "ACTIONS_URL": actions_url,
        **settings,
    }
    for name in STORE_SETTINGS:
        env.pop(name, None)
    process = subprocess.Popen(
        web_service_command(service, port, workers),
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
        end_process(process)


# Warning signs as the assistant says them back, read by the project's own
# loader: tests never copy wording from data/ (the comms team changes it).
SIGN_LABELS = {
    sign: entry["label"]
    for sign, entry in load_warning_signs(PROJECT_DIR / "data" / "warning_signs.yml").items()
}

# Tests check which response was given, by name, never its wording: the comms
# team rewords messages freely (docs/content-guide.md).
DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))
# Each language's replies, by code, for the same checks in that language.
REPLIES = {
    "en": DOMAIN["responses"],
    "pl": yaml.safe_load((PROJECT_DIR / "data/pl/responses.yml").read_text(encoding="utf-8"))[
        "responses"
    ],
}


def response_pattern(response: str, language: str = "en") -> re.Pattern:
    """Returns a pattern for the whole of the named response, any variation, slots filled.

    Every word of the variation must be there, in order; each ``{slot}`` may be
    filled with anything. Whitespace may differ (the widget shows line breaks
    as breaks), nothing else may: a reply that only begins like the response,
    or another response that shares its first words, does not match.
    """
    alternatives = []
    for variation in REPLIES[language][response]:
        pieces = re.split(r"\{[A-Za-z_]+\}", variation["text"].strip())
        if not "".join(pieces).strip():
            # "{support_services}" would match any reply at all.
            raise ValueError(f"{response} has no words of its own to recognise it by")
        literal = [r"\s*".join(re.escape(word) for word in piece.split()) for piece in pieces]
        alternatives.append(r"\s*.+?\s*".join(literal))
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.DOTALL)


def said(text: str, response: str, language: str = "en") -> bool:
    """Returns whether the text includes the whole named response (any variation)."""
    return response_pattern(response, language).search(text) is not None


def said_first(replies: List[dict], response: str, language: str = "en") -> bool:
    """Returns whether the replies begin with the whole named response.

    Rasa's REST channel sends each paragraph of a response as its own reply,
    so the response is looked for at the start of all of them together.
    """
    joined = "\n\n".join(reply.get("text", "") for reply in replies).strip()
    return response_pattern(response, language).match(joined) is not None


def button_title(response: str, payload: str, language: str = "en") -> str:
    """Returns the title of the response's button that sends the payload."""
    return next(
        button["title"]
        for variation in REPLIES[language][response]
        for button in variation.get("buttons") or []
        if button["payload"] == payload
    )
