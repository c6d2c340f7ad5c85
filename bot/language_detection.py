"""NLU component: a message clearly in another language is told so, not dismissed.

The assistant understands only English for now. A Polish message about a
neighbour who has not left the house must not get "I can only help with
worries about someone's safety": it gets, in plain English, that the
assistant understands only English for now, with 999 and 101
(``utter_only_english``). Detection is offline, by py3langid, whose model
ships inside its package, with the candidates restricted to English and the
languages most spoken in the force's area after English (Hull City Council's
published figures): a wider set makes short English messages look like
something else.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

OTHER_LANGUAGE_INTENT = "other_language"
ENGLISH = "en"
# Polish, Romanian, Kurdish, Arabic, Lithuanian, Latvian, Russian.
LOCAL_LANGUAGES = ("pl", "ro", "ku", "ar", "lt", "lv", "ru")
# Short English messages ("ta", "hiya") get low, spread-out probabilities; a
# message in another language scores near 1. Measured on every training
# example and tests/other_languages.yml (closing note of issue 10).
MIN_PROBABILITY = 0.99
# Two words at least: one word is too little to tell ("nie", "da").
MIN_WORDS = 2


class LanguageIdentifier:
    """py3langid's identifier, loaded on first use and restricted to our candidates."""

    def __init__(self, languages: Tuple[str, ...] = (ENGLISH, *LOCAL_LANGUAGES)) -> None:
        self.languages = languages
        self._identifier: Optional[Any] = None

    def classify(self, text: str) -> Tuple[str, float]:
        """Returns the most likely language and its probability."""
        if self._identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier as Identifier

            identifier = Identifier.from_pickled_model(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(self.languages))
            self._identifier = identifier
        language, probability = self._identifier.classify(text)
        return language, float(probability)

    def other_language(self, text: str) -> Optional[str]:
        """Returns the language the text is clearly written in, if not English."""
        if len(text.split()) < MIN_WORDS:
            return None
        language, probability = self.classify(text)
        if language != ENGLISH and probability >= MIN_PROBABILITY:
            return language
        return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguageDetector(GraphComponent, IntentClassifier):
    """Sets the intent to ``other_language`` for a message clearly not in English."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Returns the components that must come earlier in the pipeline."""
        return [IntentClassifier]

    @staticmethod
    def required_packages() -> List[Text]:
        """Returns the packages the component needs."""
        return ["py3langid"]

    def __init__(self, identifier: Optional[LanguageIdentifier] = None) -> None:
        self.identifier = identifier or LanguageIdentifier()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OtherLanguageDetector:
        """Returns a new detector."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of each message clearly in another language."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not self.identifier.other_language(text):
                continue
            other = {INTENT_NAME_KEY: OTHER_LANGUAGE_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                intent
                for intent in message.get(INTENT_RANKING_KEY) or []
                if intent.get(INTENT_NAME_KEY) != OTHER_LANGUAGE_INTENT
            ]
            message.set(INTENT, other, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [other, *ranking], add_to_output=True)
        return messages
