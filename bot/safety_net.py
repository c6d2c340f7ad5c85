"""The danger safety net: clear danger phrases always mean ``immediate_danger``.

A classifier is a statistical guess; a person saying "he's got a knife" must
never depend on one. This component runs last in the NLU pipeline, after the
intent classifier and the ``FallbackClassifier``, and overrides their intent
whenever the spaCy pipeline's danger ruler found a phrase from
``data/danger_phrases.yml`` that is not negated. Every channel and
``/model/parse`` therefore see ``immediate_danger``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc, Span

from bot.language import DANGER_SPANS_KEY

DANGER_INTENT = "immediate_danger"
PAST_ONLY_SIGN = "shouting"
# "he's not got a knife", "she is not in danger right now": a negation within
# two words before the phrase cancels it. Further back it usually belongs to
# another clause ("I don't know what to do, he's got a knife").
NEGATIONS = frozenset({"not", "n't", "n\u2019t", "no", "never", "nt"})
NEGATION_WINDOW = 2


def is_negated(span: Span) -> bool:
    """Tells whether a negation stands just before the span."""
    before = span.doc[max(span.start - NEGATION_WINDOW, 0) : span.start]
    return any(token.lower_ in NEGATIONS for token in before)


def danger_phrases_in(doc: Doc) -> List[Span]:
    """Returns the danger phrases in the doc that are not negated."""
    spans = doc.spans[DANGER_SPANS_KEY] if DANGER_SPANS_KEY in doc.spans else []
    return [span for span in spans if not is_negated(span)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DangerSafetyNet(GraphComponent, IntentClassifier):
    """Sets the intent to ``immediate_danger`` when a clear danger phrase is present."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Returns the components that must come earlier in the pipeline."""
        return [SpacyNLP, IntentClassifier]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerSafetyNet:
        """Returns a new safety net."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of each message that contains a danger phrase."""
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is not None and danger_phrases_in(doc):
                self._mark_as_danger(message)
        return messages

    @staticmethod
    def _mark_as_danger(message: Message) -> None:
        # The "shouting" sign means shouting heard before; screaming in a
        # message about danger now is the danger itself, not a past sign.
        entities = message.get(ENTITIES) or []
        message.set(
            ENTITIES,
            [e for e in entities if e.get(ENTITY_ATTRIBUTE_VALUE) != PAST_ONLY_SIGN],
            add_to_output=True,
        )
        danger = {INTENT_NAME_KEY: DANGER_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            intent
            for intent in message.get(INTENT_RANKING_KEY) or []
            if intent.get(INTENT_NAME_KEY) != DANGER_INTENT
        ]
        message.set(INTENT, danger, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [danger, *ranking], add_to_output=True)
