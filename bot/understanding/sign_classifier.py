"""NLU component: warning signs said in words no phrase file lists.

The phrase files (``data/warning_signs.yml``) are the comms team's handle on
the signs, but people say "straight to voicemail" or "the post is piling up"
in ways nobody listed. This component learns each sign from the training
examples' annotations: one logistic regression per sign on the message's
features (``bot.understanding.features``, as the intent classifier sees them),
each with its own threshold chosen by cross-validation on the training data.
A sign it finds is added to those the phrases found, always as its canonical
id, so the contract the actions rely on holds.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Set, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.featurizer import Featurizer
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
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from bot.understanding.classifier_file import load_classifiers, save_classifiers
from bot.understanding.features import sentence_features
from bot.understanding.language import WARNING_SIGN_LABEL

logger = logging.getLogger(__name__)

# A sign needs this many annotated examples before it is learnt; fewer and a
# threshold chosen on cross-validation means nothing.
MIN_EXAMPLES = 10
FOLDS = 5
# Thresholds are searched in this range: under 0.5 a sign's probability says
# more about the words of the message than about the sign. Above the range,
# the classifier never adds the sign: the phrases alone do better.
THRESHOLDS = [*np.arange(0.5, 0.99, 0.05), 1.01]
SAVED_AS = "warning_signs.npz"


def annotated_signs(message: Message) -> Set[str]:
    """Returns the warning-sign ids a training example is annotated with."""
    return {
        entity[ENTITY_ATTRIBUTE_VALUE]
        for entity in message.get(ENTITIES) or []
        if entity.get(ENTITY_ATTRIBUTE_TYPE) == WARNING_SIGN_LABEL
    }


def phrase_signs(message: Message) -> Set[str]:
    """Returns the warning-sign ids the phrase rulers found in a message."""
    doc = message.get(SPACY_DOCS[TEXT])
    if doc is None:
        return set()
    return {ent.id_ for ent in doc.ents if ent.label_ == WARNING_SIGN_LABEL and ent.id_}


def best_threshold(
    truth: np.ndarray, probabilities: np.ndarray, found_by_phrases: np.ndarray
) -> float:
    """Returns the threshold that gives the best F1 of phrases and classifier together.

    The classifier only adds signs to what the phrases found, so it is judged
    by what it adds: on the training data the phrases find most signs, and a
    low threshold would add mostly false ones.
    """
    best, best_f1 = THRESHOLDS[-1], -1.0
    for threshold in THRESHOLDS:
        predicted = (probabilities >= threshold) | found_by_phrases
        tp = float(np.sum(predicted & truth))
        denominator = float(np.sum(predicted) + np.sum(truth))
        f1 = 2 * tp / denominator if denominator else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return round(best, 2)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class WarningSignClassifier(GraphComponent, EntityExtractorMixin):
    """Adds the warning signs a message describes, learnt from the training examples."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Returns the components that must come earlier in the pipeline."""
        return [SpacyNLP, Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the component's default configuration."""
        # C: less regularised than sklearn's default, because the features are
        # unit rows of many n-grams. 30 was best on the development sets
        # (issue 10's note: sign F1 0.79 to 0.82 and 0.77 to 0.81 against the
        # raw counts at 10).
        return {"C": 30.0, "random_state": 2026}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifiers: Optional[Dict[str, LogisticRegression]] = None,
        thresholds: Optional[Dict[str, float]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classifiers = classifiers or {}
        self.thresholds = thresholds or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> WarningSignClassifier:
        """Returns a new, untrained classifier."""
        return cls(config, model_storage, resource)

    def _new_classifier(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.config["C"],
            class_weight="balanced",
            max_iter=1000,
            random_state=self.config["random_state"],
        )

    def train(self, training_data: TrainingData) -> Resource:
        """Learns one classifier and threshold per sign from the annotated examples."""
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        if not examples:
            return self._resource
        features = sentence_features(examples)
        labels = [annotated_signs(example) for example in examples]
        for sign in sorted(set().union(*labels)):
            truth = np.array([sign in signs for signs in labels])
            if truth.sum() < MIN_EXAMPLES:
                logger.warning("Warning sign '%s' has too few examples to learn.", sign)
                continue
            folds = StratifiedKFold(FOLDS, shuffle=True, random_state=self.config["random_state"])
            probabilities = cross_val_predict(
                self._new_classifier(), features, truth, cv=folds, method="predict_proba"
            )[:, 1]
            found = np.array([sign in phrase_signs(example) for example in examples])
            threshold = best_threshold(truth, probabilities, found)
            logger.debug("Warning sign '%s': threshold %.2f.", sign, threshold)
            if threshold > 1.0:
                # The phrases alone do better: no classifier on the hot path.
                continue
            self.thresholds[sign] = threshold
            self.classifiers[sign] = self._new_classifier().fit(features, truth)
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Saves the classifiers and thresholds in the model."""
        with self._model_storage.write_to(self._resource) as directory:
            save_classifiers(
                directory / SAVED_AS, self.classifiers, {"thresholds": self.thresholds}
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> WarningSignClassifier:
        """Returns the trained classifier from the model, or an untrained one."""
        try:
            with model_storage.read_from(resource) as directory:
                classifiers, extra = load_classifiers(directory / SAVED_AS)
        except (ValueError, FileNotFoundError):
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, classifiers, extra["thresholds"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds each sign the classifiers find and the phrases did not."""
        worded = [m for m in messages if (m.get(TEXT) or "").strip()]
        if not worded or not self.classifiers:
            return messages
        features = sentence_features(worded)
        for sign, classifier in self.classifiers.items():
            probabilities = classifier.predict_proba(features)[:, 1]
            for message, probability in zip(worded, probabilities, strict=True):
                if probability >= self.thresholds[sign]:
                    self._add(message, sign, float(probability))
        return messages

    def _add(self, message: Message, sign: str, probability: float) -> None:
        entities = message.get(ENTITIES) or []
        if any(
            e.get(ENTITY_ATTRIBUTE_TYPE) == WARNING_SIGN_LABEL
            and e.get(ENTITY_ATTRIBUTE_VALUE) == sign
            for e in entities
        ):
            return
        # The whole message is where the sign was said: no words are singled out.
        entity = {
            ENTITY_ATTRIBUTE_TYPE: WARNING_SIGN_LABEL,
            ENTITY_ATTRIBUTE_VALUE: sign,
            ENTITY_ATTRIBUTE_START: 0,
            ENTITY_ATTRIBUTE_END: len(message.get(TEXT)),
            ENTITY_ATTRIBUTE_CONFIDENCE: round(probability, 3),
        }
        message.set(ENTITIES, entities + self.add_extractor_name([entity]), add_to_output=True)
