"""NLU component: a message that names a warning sign is a concern, not something else.

The phrase files name the signs the service exists for ("curtains closed",
"not answering her phone"). When one is in the message and the classifier
still leans to ``out_of_scope``, with ``describe_warning_sign`` its next
reading, the two were close (a near-miss such as "blackout curtains like my
neighbour's" pulls that way) and the sign decides: the person is told what
the service can do, not sent away. Questions keep their intent, because a
sign said beside a question is noted anyway.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.entity_extractor import PhraseEntityExtractor
from bot.understanding.language import WARNING_SIGN_LABEL

CONCERN = "describe_warning_sign"
SENT_AWAY = "out_of_scope"


def names_a_sign(message: Message) -> bool:
    """Tells whether a phrase file's warning sign is in the message."""
    return any(
        entity.get(ENTITY_ATTRIBUTE_TYPE) == WARNING_SIGN_LABEL
        and entity.get(EXTRACTOR) == PhraseEntityExtractor.__name__
        for entity in message.get(ENTITIES) or []
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SignMeansConcern(GraphComponent):
    """Reads a message that names a warning sign as a concern when out of scope came first."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SignMeansConcern:
        """Returns the component (nothing to learn)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the concern intent where a sign is named and only out of scope came before it."""
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            names = [intent.get(INTENT_NAME_KEY) for intent in ranking[:2]]
            if names == [SENT_AWAY, CONCERN] and names_a_sign(message):
                # The two readings were one: someone worried about a person.
                confidence = sum(
                    intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for intent in ranking[:2]
                )
                concern = {INTENT_NAME_KEY: CONCERN, PREDICTED_CONFIDENCE_KEY: confidence}
                message.set(INTENT, concern, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [concern, *ranking[2:]], add_to_output=True)
        return messages
