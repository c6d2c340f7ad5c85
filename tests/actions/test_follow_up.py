"""Coming back to a report: what counts as a reference or phrase, and what is said."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.follow_up as follow_up
from actions.follow_up import ActionCheckFollowUp, ValidateFollowUpForm
from bot.settings import Settings
from tests.actions.domain import real_domain
from tests.assistant import run_coroutine
from tests.faults import unreachable_concern_store


def tracker(text, intent, requested, slots=None):
    """A tracker as Rasa sends it to validate the follow-up form just after `text`."""
    message = {"text": text, "intent": {"name": intent}, "entities": []}
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": {**(slots or {}), "requested_slot": requested, requested: text},
            "latest_message": message,
            "latest_action_name": "follow_up_form",
            "active_loop": {"name": "follow_up_form"},
            "events": [
                {"event": "action", "name": "action_listen"},
                {"event": "user", **message},
                {"event": "action", "name": "follow_up_form"},
                {"event": "slot", "name": requested, "value": text},
            ],
        }
    )


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = run_coroutine(action.run(dispatcher, tracker_, real_domain()))
    return dispatcher, events


def slots(events):
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CON-7KQM-PX3D", "CON-7KQM-PX3D"),
        ("it's con 7kqm px3d", "CON-7KQM-PX3D"),
        ("my ref is CON7KQMPX3D thanks", "CON-7KQM-PX3D"),
    ],
)
def test_a_loosely_typed_reference_is_found(text, expected):
    _, events = run(ValidateFollowUpForm(), tracker(text, "nlu_fallback", "follow_up_reference"))
    assert slots(events)["follow_up_reference"] == expected


@pytest.mark.parametrize("text", ["I lost it", "CON-7KQM-PX30", "con 1kqm px3d"])
def test_something_that_is_not_a_reference_is_explained(text):
    # A look-alike (0 for O, 1 for I) can never have been drawn, so it is
    # explained now rather than refused by the store later.
    dispatcher, events = run(
        ValidateFollowUpForm(), tracker(text, "nlu_fallback", "follow_up_reference")
    )
    assert slots(events)["follow_up_reference"] is None
    assert [m["response"] for m in dispatcher.messages] == ["utter_not_a_reference"]


def test_a_phrase_is_an_answer_even_when_it_reads_like_danger():
    # "bridge" and "garden" have been read as danger by the language model.
    _, events = run(
        ValidateFollowUpForm(),
        tracker("BRIDGE GARDEN POND 42", "immediate_danger", "follow_up_phrase"),
    )
    assert slots(events)["follow_up_phrase"] == "BRIDGE GARDEN POND 42"


def test_real_danger_while_giving_the_phrase_stops_the_form_and_forgets_the_text():
    _, events = run(
        ValidateFollowUpForm(),
        tracker("he has a knife and he's here now", "immediate_danger", "follow_up_phrase"),
    )
    assert [event["event"] for event in events] == ["slot", "action_execution_rejected"]
    assert slots(events) == {"follow_up_phrase": None}


@pytest.fixture
def store(tmp_path, monkeypatch):
    store = Settings.from_env({"CONCERNS_DATA_DIR": str(tmp_path)}).open_store()
    monkeypatch.setattr(follow_up, "concern_store", lambda: store)
    return store


def check(reference, phrase):
    found = Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": {"follow_up_reference": reference, "follow_up_phrase": phrase},
            "latest_message": {},
            "events": [],
        }
    )
    return slots(run(ActionCheckFollowUp(), found)[1])


def test_the_right_reference_and_phrase_find_the_report(store):
    receipt = store.submissions.submit({"noticed": "invented"})
    result = check(receipt.reference, receipt.follow_up_phrase.replace("-", " "))
    assert result == {"follow_up_result": "found", "follow_up_status": "received"}


def test_wrong_reference_and_wrong_phrase_are_refused_alike_and_forgotten(store):
    receipt = store.submissions.submit({"noticed": "invented"})
    wrong_phrase = check(receipt.reference, "otter-maple-river-42")
    wrong_reference = check("CON-ZZZZ-ZZZZ", receipt.follow_up_phrase)
    expected = {
        "follow_up_result": "refused",
        "follow_up_reference": None,
        "follow_up_phrase": None,
    }
    assert wrong_phrase == wrong_reference == expected


def test_an_unreachable_store_is_said_plainly(monkeypatch):
    monkeypatch.setattr(follow_up, "concern_store", unreachable_concern_store)
    assert check("CON-ZZZZ-ZZZZ", "a-b-c-10")["follow_up_result"] == "unavailable"
