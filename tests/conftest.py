"""Shared fixtures, each made once per test run: the spaCy pipeline, the running
assistant, and the browser.

Browser tests drive the system's Chromium, installed from Debian's packages
(scripts/browser): Playwright's own browser download does not work here. It
runs headless, with the background traffic Chromium would otherwise make
switched off: nothing a test starts may reach beyond 127.0.0.0/8.
"""

from __future__ import annotations

import shutil
from typing import Iterator

import pytest
from spacy.language import Language

from bot.understanding.language import build_pipeline
from tests.assistant import (
    POLISH_MODEL,
    Assistant,
    WebService,
    free_port,
    start_assistant,
    start_web_service,
)


@pytest.fixture(scope="session")
def nlp() -> Language:
    """Returns the spaCy pipeline built from the real phrase files."""
    return build_pipeline()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Iterator[Assistant]:
    """Starts the Rasa server and the action server, with an empty concern store."""
    yield from start_assistant(tmp_path_factory.mktemp("assistant"))


@pytest.fixture(scope="session")
def public_web(tmp_path_factory, assistant: Assistant) -> Iterator[WebService]:
    """The public web service in front of the running assistant, with no rate limit to speak of."""
    yield from start_web_service(
        tmp_path_factory.mktemp("public"), "public", assistant, WEB_REQUESTS_PER_MINUTE="100000"
    )


@pytest.fixture(scope="session")
def polish_rasa(assistant: Assistant) -> Iterator[str]:
    """The Polish assistant's Rasa server beside the English one, sharing its conversations."""
    url = f"http://127.0.0.1:{free_port()}"
    assistant.add_rasa("rasa-pl", url, POLISH_MODEL)
    assistant.start("rasa-pl")
    yield url
    assistant.stop("rasa-pl")


@pytest.fixture(scope="session")
def bilingual_web(tmp_path_factory, assistant: Assistant, polish_rasa: str) -> Iterator[WebService]:
    """The public web service offering English and Polish, as in development."""
    yield from start_web_service(
        tmp_path_factory.mktemp("bilingual"),
        "public",
        assistant,
        RASA_URL_PL=polish_rasa,
        WEB_REQUESTS_PER_MINUTE="100000",
    )


@pytest.fixture(scope="session")
def rasa_url(assistant: Assistant) -> str:
    """Returns the running Rasa server's base URL."""
    return assistant.url


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }
