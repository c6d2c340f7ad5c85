"""Warning signs and relationships as entities whose value is always a canonical id.

The spaCy pipeline's rulers (built from ``data/warning_signs.yml`` and
``data/relationships.yml``) mark each phrase with its id. This component turns
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
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.understanding.language import RELATIONSHIP_SPANS_KEY, WARNING_SIGN_LABEL


def as_entity(span: Span) -> Dict[Text, Any]:
    """Returns a ruler's mark as a Rasa entity named by its label."""
    return {
        ENTITY_ATTRIBUTE_TYPE: span.label_,
        ENTITY_ATTRIBUTE_VALUE: span.id_,
        ENTITY_ATTRIBUTE_START: span.start_char,
        ENTITY_ATTRIBUTE_END: span.end_char,
        ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
        TEXT: span.text,
    }


def phrase_entities_in(doc: Doc) -> List[Dict[Text, Any]]:
    """Returns the rulers' warning signs and relationships, in text order."""
    signs = [ent for ent in doc.ents if ent.label_ == WARNING_SIGN_LABEL and ent.id_]
    relationships = []
    if RELATIONSHIP_SPANS_KEY in doc.spans:
        # Overlapping relationship phrases ("my sister", "my big sister"): the longest.
        relationships = filter_spans(doc.spans[RELATIONSHIP_SPANS_KEY])
    found = sorted(signs + relationships, key=lambda span: span.start)
    return [as_entity(span) for span in found]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PhraseEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds the warning signs and relationships that the spaCy rulers marked."""

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
