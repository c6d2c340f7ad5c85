"""A button's title typed as text gets the same answer as pressing the button.

People using a screen reader, or who simply type, write "Not right now"
rather than press it. Every button of every response in domain.yml is
enumerated here, so a new button is covered without anyone remembering.
"""

from __future__ import annotations

from typing import List

import pytest

from bot.web.messages import button_payloads, button_titles, buttons_in, safe_message
from tests.assistant import PROJECT_DIR, post_ok

DOMAIN = PROJECT_DIR / "domain.yml"
BUTTONS = buttons_in(DOMAIN)
PAYLOADS = button_payloads(DOMAIN)
TITLES = button_titles(DOMAIN)


def typed_forms(title: str) -> List[str]:
    """Returns ways people type a title: as shown, lower case, without punctuation."""
    bare = "".join(c for c in title if c.isalnum() or c.isspace())
    return [title, title.lower(), f"  {bare}  ", title.upper(), title.replace("'", "\u2019")]


def test_every_response_with_buttons_is_enumerated():
    responses = {response for response, _, _ in BUTTONS}
    assert {"utter_advice", "utter_reassurance", "utter_ask_report_confirmed"} <= responses
    assert len(BUTTONS) >= 40


@pytest.mark.parametrize(("response", "title", "payload"), BUTTONS)
def test_a_typed_title_is_sent_as_its_button_payload(response, title, payload):
    for typed in typed_forms(title):
        assert safe_message(typed, PAYLOADS, TITLES) == payload, (response, typed)


def test_no_title_stands_for_two_different_payloads():
    # A shared title would need the conversation's state to resolve; keep
    # titles distinct (or give them the same payload) so typing one is exact.
    payloads_by_title = {}
    for _, title, payload in BUTTONS:
        payloads_by_title.setdefault(title.lower(), set()).add(payload)
    assert {t: p for t, p in payloads_by_title.items() if len(p) > 1} == {}


@pytest.mark.parametrize(
    "text",
    ["not right now, he's in", "A few weeks ago he hit her", "no", "send it to my sister"],
)
def test_text_that_only_contains_a_title_is_left_as_typed(text):
    assert safe_message(text, PAYLOADS, TITLES) == text


# Through the running assistant ----------------------------------------------


def conversation(public_web, *messages: str) -> List[dict]:
    """Returns the replies to the last of the messages, in a new conversation."""
    sender = post_ok(f"{public_web.url}/api/session", {})["sender"]
    replies: List[dict] = []
    for message in messages:
        replies = post_ok(f"{public_web.url}/api/chat", {"sender": sender, "message": message})
    return replies


@pytest.mark.parametrize(
    ("before", "title"),
    [
        (["my neighbour's curtains have been closed for a week"], "No, that's everything"),
        (
            ["my neighbour's curtains have been closed for a week", "/deny"],
            "Send a confidential report",
        ),
    ],
)
def test_typing_a_title_gets_the_same_answer_as_pressing_it(public_web, before, title):
    shown = conversation(public_web, *before)
    [payload] = [b["payload"] for reply in shown for b in reply["buttons"] if b["title"] == title]
    pressed = conversation(public_web, *before, payload)
    typed = conversation(public_web, *before, title.lower())
    assert typed == pressed
    assert pressed and pressed[0]["text"]
