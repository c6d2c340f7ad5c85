"""NLU component: which kinds of danger word a message has, for the classifiers to learn from.

The English safety net reads danger from parts by English grammar
(``bot.understanding.danger_now``). Another language has no such grammar here,
so its danger rests on the intent classifier, which sees words: "noż" in a
form no example used, or a weapon no example named, counts for little. Its
comms team lists the parts instead (``data/<code>/danger_cues.yml``): kinds
of harm, weapons, words of now, of the past, of habit, everyday matters ...
This featurizer tells the classifiers which kinds a message has, and which
come together, in the message and in one sentence of it: harm with a word of
now leans to danger, harm with a word of the past to a warning sign. The
weights are learnt from the examples, so the lists widen what the examples
taught without a rule of grammar for each language.
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterable, List, Set, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc

from bot.understanding.language import DANGER_PARTS_SPANS_KEY
from bot.understanding.phrases import DANGER_PART_KINDS

# The kinds that say someone may be hurt: any of them keeps the classifier's
# danger, whatever everyday matter the message also names.
HARM_KINDS = frozenset(
    {"harm", "weapon", "threat", "plea", "unresponsive", "self_harm", "fire", "taken", "break_in"}
)
# Where one sentence ends and the next begins, in any language written with
# these marks: "pobił ją rok temu. teraz ..." is two sentences.
SENTENCE_ENDS = frozenset({".", "!", "?", ";", "\n"})


def feature_names() -> List[str]:
    """Returns the name of each feature, in column order."""
    pairs = [f"{a}+{b}" for a, b in itertools.combinations(DANGER_PART_KINDS, 2)]
    return (
        list(DANGER_PART_KINDS)
        + [f"message:{pair}" for pair in pairs]
        + [f"sentence:{pair}" for pair in pairs]
    )


COLUMNS = {name: column for column, name in enumerate(feature_names())}


def _pairs(kinds: Iterable[str]) -> Set[str]:
    ordered = sorted(set(kinds), key=DANGER_PART_KINDS.index)
    return {f"{a}+{b}" for a, b in itertools.combinations(ordered, 2)}


def parts_in(doc: Doc) -> Set[str]:
    """Returns the names of the features a message has: kinds, and kinds together."""
    spans = [span for span in doc.spans.get(DANGER_PARTS_SPANS_KEY, []) if span.label_ in COLUMNS]
    kinds = {span.label_ for span in spans}
    sentence_of = np.cumsum([token.text in SENTENCE_ENDS for token in doc]) if len(doc) else []
    by_sentence: Dict[int, Set[str]] = {}
    for span in spans:
        by_sentence.setdefault(int(sentence_of[span.start]), set()).add(span.label_)
    names = set(kinds) | {f"message:{pair}" for pair in _pairs(kinds)}
    for sentence_kinds in by_sentence.values():
        names |= {f"sentence:{pair}" for pair in _pairs(sentence_kinds)}
    return names


def only_an_everyday_matter(doc: Doc) -> bool:
    """Tells whether a message names an everyday matter and no part of harm at all.

    "A car alarm has been going off for an hour, kill me now" has a word of
    now and an everyday matter, and nothing that hurts anyone.
    """
    kinds = {span.label_ for span in doc.spans.get(DANGER_PARTS_SPANS_KEY, [])}
    return "everyday" in kinds and not kinds & HARM_KINDS


def as_row(names: Set[str]) -> scipy.sparse.coo_matrix:
    """Returns one sparse row with a 1 for each named feature."""
    columns = sorted(COLUMNS[name] for name in names)
    return scipy.sparse.coo_matrix(
        (np.ones(len(columns)), ([0] * len(columns), columns)), shape=(1, len(COLUMNS))
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class DangerPartsFeaturizer(SparseFeaturizer, GraphComponent):
    """Adds which kinds of danger word a message has, alone and together, as sentence features."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the featurizer's defaults (Rasa's: an alias for its features)."""
        return {**SparseFeaturizer.get_default_config()}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerPartsFeaturizer:
        """Returns a new featurizer."""
        return cls(execution_context.node_name, config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Accepts Rasa's featurizer settings; there are none of its own."""

    def _add(self, message: Message) -> None:
        # Every message with text gets the block, empty or not, so that each
        # row of the classifiers' features has the same blocks in order.
        if message.get(TEXT) is None:
            return
        doc = message.get(SPACY_DOCS[TEXT])
        names = parts_in(doc) if doc is not None else set()
        self.add_features_to_message(
            sequence=None, sentence=as_row(names), attribute=TEXT, message=message
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the features to every training example that has text."""
        for example in training_data.training_examples:
            self._add(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the features to each incoming message."""
        for message in messages:
            self._add(message)
        return messages
