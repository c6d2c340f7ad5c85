"""Asking who else can help: the support organisations from data/agencies.yml."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.content import language_of, support_services_text


class ActionListSupportServices(Action):
    """Writes the agency list into ``support_services`` for ``utter_support_services``."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_list_support_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        """Returns the slot holding the written-out list."""
        return [SlotSet("support_services", support_services_text(language_of(tracker)))]
