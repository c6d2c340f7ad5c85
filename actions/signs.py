"""Describing warning signs: note each one and gather them across the conversation."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.content import describe_signs, language_of, warning_sign_labels

WARNING_SIGN = "warning_sign"


def signs_in_latest_message(tracker: Tracker) -> List[str]:
    """Returns the canonical warning signs the latest message named, once each."""
    known = warning_sign_labels()
    signs: List[str] = []
    for entity in tracker.latest_message.get("entities", []):
        value = entity.get("value")
        if entity.get("entity") == WARNING_SIGN and value in known and value not in signs:
            signs.append(value)
    return signs


class ActionNoteWarningSigns(Action):
    """Adds the signs just described to those gathered so far.

    Sets ``new_signs`` to the plain words for what was just understood (or to
    nothing, when no sign was recognised) for ``utter_signs_noted`` to say back,
    and ``signs_so_far`` to all of them, for the report form to show back.
    """

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_note_warning_signs"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        """Returns the updated sign slots."""
        new_signs = signs_in_latest_message(tracker)
        gathered = list(tracker.get_slot("warning_signs") or [])
        gathered += [sign for sign in new_signs if sign not in gathered]
        language = language_of(tracker)
        return [
            SlotSet("warning_signs", gathered),
            SlotSet("new_signs", describe_signs(new_signs, language) or None),
            SlotSet("signs_so_far", describe_signs(gathered, language) or None),
        ]
