"""action_note_warning_signs gathers canonical signs across turns."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.signs import ActionNoteWarningSigns
from tests.assistant import SIGN_LABELS, run_coroutine


def tracker_with(entities, gathered=None):
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": {"warning_signs": gathered},
            "latest_message": {"text": "invented", "entities": entities},
            "events": [],
        }
    )


def sign(value):
    return {"entity": "warning_sign", "value": value}


def run(tracker):
    dispatcher = CollectingDispatcher()
    events = run_coroutine(ActionNoteWarningSigns().run(dispatcher, tracker, {}))
    return dispatcher, {event["name"]: event["value"] for event in events}


def test_new_signs_are_added_and_said_back_in_plain_words():
    dispatcher, slots = run(tracker_with([sign("curtains_closed"), sign("phone_off")]))
    assert slots["warning_signs"] == ["curtains_closed", "phone_off"]
    labels = (SIGN_LABELS["curtains_closed"], SIGN_LABELS["phone_off"])
    assert slots["new_signs"] == "%s and %s" % labels
    assert dispatcher.messages == []


def test_signs_gathered_earlier_are_kept_once():
    _, slots = run(tracker_with([sign("injuries"), sign("withdrawn")], ["withdrawn"]))
    assert slots["warning_signs"] == ["withdrawn", "injuries"]


@pytest.mark.parametrize(
    "entities",
    [[], [sign("not_a_sign")], [{"entity": "relationship", "value": "friend"}]],
)
def test_no_recognised_sign_clears_new_signs(entities):
    _, slots = run(tracker_with(entities, ["fearful"]))
    assert slots == {
        "warning_signs": ["fearful"],
        "new_signs": None,
        "signs_so_far": SIGN_LABELS["fearful"],
    }
