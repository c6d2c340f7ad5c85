"""Whoever may be in danger now hears 999 first: every danger message of both
held-out sets, sent as the first message of a new conversation through the
public chat API, gets the 999 message as its first reply.

The messages are named by their set and position only: the blind set's words
must never reach whoever writes training data, and a test id or a failure
message would show them.
"""

from __future__ import annotations

from typing import List, Tuple

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from tests.assistant import PROJECT_DIR, post_ok, said_first

SETS = {"holdout": "tests/nlu_holdout.yml", "blind": "tests/nlu_blind.yml"}


def danger_messages() -> List[Tuple[str, str]]:
    """Returns (id, text) for every immediate_danger message of both sets."""
    found = []
    for name, path in SETS.items():
        examples = load_data(str(PROJECT_DIR / path)).intent_examples
        texts = [e.get("text") for e in examples if e.get("intent") == "immediate_danger"]
        found += [(f"{name}-{index}", text) for index, text in enumerate(texts)]
    return found


MESSAGES = danger_messages()


def test_both_sets_have_many_danger_messages():
    assert sum(1 for name, _ in MESSAGES if name.startswith("blind")) >= 80
    assert sum(1 for name, _ in MESSAGES if name.startswith("holdout")) >= 20


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for name, text in MESSAGES])
def test_the_first_reply_to_danger_is_the_999_message(public_web, text):
    sender = post_ok(f"{public_web.url}/api/session", {})["sender"]
    replies = post_ok(f"{public_web.url}/api/chat", {"sender": sender, "message": text})
    # Compared apart from the assertion, so that a failure shows neither the
    # message nor the reply (which may echo its signs).
    heard_999_first = said_first(replies, "utter_immediate_danger")
    assert heard_999_first, "the first reply is not the 999 message"
