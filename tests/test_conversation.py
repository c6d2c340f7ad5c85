"""The whole assistant, running: Rasa server and action server, spoken to over REST.

The servers are started once for the whole run (see ``tests/assistant.py``).
"""

from __future__ import annotations

import uuid

import pytest

from tests.assistant import SIGN_LABELS, parse, said, said_first, say, texts

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
def test_model_parse_follows_the_understanding_contract(assistant, text, intent, signs):
    result = parse(assistant, text)
    assert result["intent"]["name"] == intent
    values = {e["value"] for e in result["entities"] if e["entity"] == "warning_sign"}
    assert signs <= values <= CANONICAL_SIGNS


def test_signs_are_said_back_in_plain_words(rasa_url):
    replies = say(rasa_url, "my friend's curtains are always closed and she has bruises")
    reply = texts(replies)
    assert SIGN_LABELS["curtains_closed"] in reply and SIGN_LABELS["injuries"] in reply
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/affirm", "/deny"]


def test_danger_in_the_middle_of_a_conversation_gets_999_first(rasa_url):
    sender = uuid.uuid4().hex
    say(rasa_url, "my sister seems scared of her boyfriend", sender)
    replies = say(rasa_url, "he's kicking the door in right now", sender)
    assert said_first(replies, "utter_immediate_danger")


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


# What a message that cannot be understood may get: each asks again or says
# what the assistant is for, and each gives 999 and 101.
WAYS_FORWARD = (
    "utter_please_rephrase",
    "utter_only_english",
    "utter_out_of_scope",
    "utter_signs_noted",
)


@pytest.mark.parametrize("message", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_gets_a_sensible_reply(rasa_url, message):
    replies = say(rasa_url, message)
    reply = texts(replies)
    assert reply.strip(), "the assistant must never be silent"
    assert "Traceback" not in reply and "Exception" not in reply
    assert any(said(reply, response) for response in WAYS_FORWARD)
