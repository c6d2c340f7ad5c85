"""The intents that interrupt a form are one list: the actions' and domain.yml's agree."""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

import pytest
import yaml

from actions.conversation import FORM_INTERRUPTIONS, interrupts
from tests.actions.domain import PROJECT_DIR

DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))
# The follow-up form's answers are taken by their shape, whatever the intent
# (actions/follow_up.py: looks_like_an_answer), so its mappings list none.
BY_SHAPE = {"follow_up_form"}


def text_mappings() -> List[Tuple[str, str, Set[str]]]:
    """Returns (slot, form, not_intent) for every typed answer a form takes."""
    found = []
    for slot, spec in DOMAIN["slots"].items():
        for mapping in spec.get("mappings") or []:
            if mapping.get("type") != "from_text":
                continue
            for condition in mapping.get("conditions") or []:
                form = condition.get("active_loop")
                if form:
                    found.append((slot, form, set(mapping.get("not_intent") or [])))
    return found


MAPPINGS = text_mappings()


def test_every_form_with_typed_answers_is_known_to_the_actions():
    forms: Dict[str, int] = {}
    for _, form, _ in MAPPINGS:
        forms[form] = forms.get(form, 0) + 1
    assert set(forms) == set(FORM_INTERRUPTIONS) and all(forms.values())


@pytest.mark.parametrize(("slot", "form", "not_intent"), MAPPINGS, ids=[m[0] for m in MAPPINGS])
def test_a_typed_answer_is_never_taken_from_an_interruption(slot, form, not_intent):
    expected = set() if form in BY_SHAPE else set(FORM_INTERRUPTIONS[form])
    assert not_intent == expected, f"{slot}: domain.yml and actions/conversation.py differ"


def test_every_interrupting_intent_is_an_intent_of_the_domain():
    intents = set(DOMAIN["intents"])
    for form, interruptions in FORM_INTERRUPTIONS.items():
        assert set(interruptions) <= intents, form


def test_an_interruption_mid_form_is_recognised_and_an_answer_is_not():
    def tracker(intent: str, before: str = "action_listen"):
        from rasa_sdk import Tracker

        return Tracker.from_dict(
            {
                "sender_id": "test",
                "slots": {"requested_slot": "concern_duration"},
                "latest_message": {"text": "invented", "intent": {"name": intent}},
                "active_loop": {"name": "concern_form"},
                "events": [
                    {"event": "action", "name": before},
                    {"event": "user", "text": "invented"},
                    {"event": "action", "name": "concern_form"},
                ],
            }
        )

    assert interrupts(tracker("stop"), "concern_form")
    assert not interrupts(tracker("nlu_fallback"), "concern_form")
    # The rule answered it and runs the form again: not rejected twice.
    assert not interrupts(tracker("stop", before="utter_report_privacy"), "concern_form")
