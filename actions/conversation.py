"""What the forms' checks need to know about the latest message."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

# Intents that are never an answer to a form's question: the rules answer them
# instead. They mirror the `not_intent` lists of the forms' slot mappings in
# domain.yml; tests/actions/test_conversation.py fails when the two differ.
INTERRUPTIONS = frozenset(
    {
        "immediate_danger",
        "stop",
        "goodbye",
        "self_victim",
        "ask_confidentiality",
        "ask_what_happens_next",
        "ask_support_services",
        "bot_challenge",
    }
)
# A new report also stops for "I made a report before"; the follow-up forms
# expect exactly such messages ("it's CON-...").
FORM_INTERRUPTIONS = {
    "concern_form": INTERRUPTIONS | {"follow_up"},
    "follow_up_form": INTERRUPTIONS,
    "addition_form": INTERRUPTIONS,
}


def latest_intent(tracker: Tracker) -> Optional[str]:
    """Returns the name of the intent of the latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    """Returns the latest message's text, trimmed."""
    return (tracker.latest_message.get("text") or "").strip()


def interrupts(tracker: Tracker, form: str) -> bool:
    """Returns whether the message just received, mid-form, is not an answer.

    Only the form's first run after a message can reject it. When a rule has
    answered the interruption and runs the form again to repeat its question,
    the latest message is still the interruption but must not be rejected
    twice; nor is the message that started the form (no slot requested yet).
    """
    return (
        tracker.active_loop.get("name") == form
        and tracker.get_slot("requested_slot") is not None
        and action_before_form(tracker) == "action_listen"
        and latest_intent(tracker) in FORM_INTERRUPTIONS[form]
    )


def action_before_form(tracker: Tracker) -> Optional[str]:
    """Returns the action that ran before the form's current run.

    Rasa sends the validation action a tracker that ends with the form's own
    execution (rasa/core/actions/forms.py, ``_temporary_tracker``), so the
    action before it is the one before last.
    """
    actions = [event.get("name") for event in tracker.events if event.get("event") == "action"]
    return actions[-2] if len(actions) >= 2 else None
