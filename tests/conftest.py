"""Shared fixtures, each made once per test run: the spaCy pipeline and the running assistant."""

from __future__ import annotations

from typing import Iterator

import pytest
from spacy.language import Language

from bot.language import build_pipeline
from tests.assistant import Assistant, start_assistant


@pytest.fixture(scope="session")
def nlp() -> Language:
    """Returns the spaCy pipeline built from the real phrase files."""
    return build_pipeline()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Iterator[Assistant]:
    """Starts the Rasa server and the action server, with an empty concern store."""
    yield from start_assistant(tmp_path_factory.mktemp("assistant"))


@pytest.fixture(scope="session")
def rasa_url(assistant: Assistant) -> str:
    """Returns the running Rasa server's base URL."""
    return assistant.url
