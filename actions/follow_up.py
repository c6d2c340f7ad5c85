"""Coming back to a report made before: check the reference and phrase, then add to it.

The store gives one answer for a wrong reference, a wrong phrase and too many
tries, and so does the assistant: nobody can learn which part was wrong. The
reference and phrase are cleared from the conversation as soon as they have
been used.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import interrupts
from actions.store import concern_store
from bot.settings import MESSAGE_LIMIT
from bot.storage.concerns import (
    ConcernStoreError,
    FollowUpRefused,
    find_reference,
    normalise_phrase,
)
from bot.storage.concerns.references import PHRASE_SHAPE

logger = logging.getLogger(__name__)

FOLLOW_UP_SLOTS = (
    "follow_up_reference",
    "follow_up_phrase",
    "follow_up_result",
    "follow_up_status",
    "follow_up_addition",
)
# What looking the report up found, for the rules in data/rules/follow_up.yml.
FOUND, REFUSED, UNAVAILABLE = "found", "refused", "unavailable"


def looks_like_an_answer(tracker: Tracker) -> bool:
    """Returns whether the latest message has the shape of what the form asked for.

    A reference or phrase can seem to mean anything to the language model
    ("bridge" and "garden" have been read as danger), so its shape, not its
    intent, decides that it is an answer.
    """
    text = (tracker.latest_message.get("text") or "")[:200]
    asked = tracker.get_slot("requested_slot")
    if asked == "follow_up_reference":
        return find_reference(text) is not None
    if asked == "follow_up_phrase":
        return PHRASE_SHAPE.match(normalise_phrase(text)) is not None
    return False


class ValidateFollowUpForm(FormValidationAction):
    """Checks the reference looks like one; takes the phrase as typed."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_follow_up_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Validates the latest answer, or lets the rules answer an interruption."""
        if interrupts(tracker, "follow_up_form") and not looks_like_an_answer(tracker):
            # The message was taken as the answer too: forget it.
            asked = tracker.get_slot("requested_slot")
            return [SlotSet(asked, None), ActionExecutionRejected("follow_up_form")]
        return await super().run(dispatcher, tracker, domain)

    def validate_follow_up_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Finds a reference in the answer, or explains what one looks like."""
        reference = find_reference(str(value or "")[:200])
        if reference is None:
            dispatcher.utter_message(response="utter_not_a_reference")
        return {"follow_up_reference": reference}

    def validate_follow_up_phrase(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Takes the phrase as typed; the store compares it loosely."""
        phrase = str(value or "").strip()[:200]
        return {"follow_up_phrase": phrase or None}


async def with_reference_and_phrase(tracker: Tracker, work: str, *more: Any) -> Tuple[Any, str]:
    """Calls the store's ``work`` with the conversation's reference and phrase.

    Returns the result and FOUND, or None and REFUSED (the one answer for a
    wrong reference, a wrong phrase or too many tries) or UNAVAILABLE.
    """
    reference = tracker.get_slot("follow_up_reference") or ""
    phrase = tracker.get_slot("follow_up_phrase") or ""
    try:
        method = getattr(concern_store().submissions, work)
        return await asyncio.to_thread(method, reference, phrase, *more), FOUND
    except FollowUpRefused:
        return None, REFUSED
    except (ConcernStoreError, OSError) as error:
        logger.error("A follow-up (%s) failed: %s", work, type(error).__name__)
        return None, UNAVAILABLE


class ActionCheckFollowUp(Action):
    """Looks the report up by reference and phrase; the rules say what was found."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_check_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Sets what was found for the rules to say; keeps the details only if found."""
        found, result = await with_reference_and_phrase(tracker, "follow_up")
        if result != FOUND:
            forget = [SlotSet("follow_up_reference", None), SlotSet("follow_up_phrase", None)]
            return [SlotSet("follow_up_result", result)] + forget
        return [SlotSet("follow_up_result", FOUND), SlotSet("follow_up_status", found["status"])]


class ValidateAdditionForm(FormValidationAction):
    """Takes what the person wants to add to their report."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_addition_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Validates the addition, or lets the rules answer an interruption."""
        if interrupts(tracker, "addition_form"):
            return [ActionExecutionRejected("addition_form")]
        return await super().run(dispatcher, tracker, domain)

    def validate_follow_up_addition(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Takes any text up to the limit."""
        text = str(value or "").strip()
        if len(text) > MESSAGE_LIMIT:
            dispatcher.utter_message(response="utter_answer_too_long")
            return {"follow_up_addition": None}
        if not text or text.startswith("/"):
            return {"follow_up_addition": None}
        return {"follow_up_addition": text}


class ActionAddInformation(Action):
    """Adds the new information to the report, checked again by reference and phrase."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_add_information"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Stores the addition and says so, then forgets the follow-up details."""
        text = tracker.get_slot("follow_up_addition") or ""
        _, result = await with_reference_and_phrase(tracker, "add_information", text)
        dispatcher.utter_message(
            response={
                FOUND: "utter_information_added",
                REFUSED: "utter_follow_up_refused",
                UNAVAILABLE: "utter_follow_up_unavailable",
            }[result]
        )
        return [SlotSet(slot, None) for slot in FOLLOW_UP_SLOTS]
