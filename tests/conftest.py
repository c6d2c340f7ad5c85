"""Shared fixtures: the project's spaCy pipeline, built once per test run."""

from __future__ import annotations

import pytest
from spacy.language import Language

from bot.language import build_pipeline


@pytest.fixture(scope="session")
def nlp() -> Language:
    """Returns the spaCy pipeline built from the real phrase files."""
    return build_pipeline()
