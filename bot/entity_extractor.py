"""Warning signs and relationships as entities whose value is always a canonical id.

The spaCy pipeline's entity ruler (built from ``data/warning_signs.yml`` and
``data/relationships.yml``) marks each phrase with its id. This component turns
those marks into Rasa entities, for example
``{"entity": "warning_sign", "value": "curtains_closed"}``, so a value is
always one of the ids in the phrase files: the contract other parts rely on.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc

from bot.language import PHRASE_ENTITY_LABELS


def phrase_entities_in(doc: Doc) -> List[Dict[Text, Any]]:
    """Returns the entity ruler's marks in the doc, as Rasa entities."""
    return [
        {
            ENTITY_ATTRIBUTE_TYPE: ent.label_,
            ENTITY_ATTRIBUTE_VALUE: ent.ent_id_,
            ENTITY_ATTRIBUTE_START: ent.start_char,
            ENTITY_ATTRIBUTE_END: ent.end_char,
            ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
            TEXT: ent.text,
        }
        for ent in doc.ents
        if ent.label_ in PHRASE_ENTITY_LABELS and ent.ent_id_
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PhraseEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds warning signs and relationships found by the spaCy entity ruler."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Returns the components that must come earlier in the pipeline."""
        return [SpacyNLP]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PhraseEntityExtractor:
        """Returns a new extractor."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the phrase entities to each message's entities."""
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            found = self.add_extractor_name(phrase_entities_in(doc))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
