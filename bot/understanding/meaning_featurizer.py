"""NLU component: each message's meaning as dense features beside its words.

The intent and sign classifiers read the sentence features of every
featurizer before them (``bot.understanding.features``). This component adds
one more block: the message's meaning from the sentence encoder
(``bot.understanding.sentence_encoder``), so that "there's blood all over the
kitchen floor and she won't wake up" is near the danger examples although it
shares few words with them. One encoder per Rasa process, loaded with the
model, shared by both classifiers.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from threadpoolctl import ThreadpoolController

from bot.understanding.sentence_encoder import SentenceEncoder

# A message's matrices are small: BLAS's threads cost more in handing work
# over than they save, and fight the other Rasa workers for the cores
# (16 ms a message on one thread here, 33 ms on two). The limit is set through
# one controller made with the featurizer: threadpoolctl's
# ``threadpool_limits`` lists every library loaded in the process each time it
# is entered, about 5 ms a message, where a controller's ``limit`` takes
# 0.03 ms (issue 11's note).
BLAS_THREADS = 1
# The meanings of training examples, by text, for the life of the process.
_TRAINING_MEANINGS: Dict[str, np.ndarray] = {}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MeaningFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the sentence encoder's reading of each message as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the featurizer's defaults (Rasa's: an alias for its features)."""
        return {**DenseFeaturizer.get_default_config()}

    def __init__(
        self, config: Dict[Text, Any], name: Text, encoder: Optional[SentenceEncoder] = None
    ) -> None:
        super().__init__(name, config)
        self.encoder = encoder or SentenceEncoder()
        self._threads = ThreadpoolController()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MeaningFeaturizer:
        """Returns a featurizer with the encoder loaded (a read of the installed weights)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Accepts Rasa's featurizer settings; there are none of its own."""

    def _add_features(self, message: Message, meaning: np.ndarray) -> None:
        self.add_features_to_message(
            sequence=None, sentence=meaning[np.newaxis, :], attribute=TEXT, message=message
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the meaning of every training example that has text.

        The examples' meanings are kept for the life of the process, so
        cross-validation, which trains five times on the same examples,
        encodes each once. Only training examples are kept, never what
        people send.
        """
        examples = [e for e in training_data.training_examples if e.get(TEXT) is not None]
        new = sorted({e.get(TEXT) for e in examples} - _TRAINING_MEANINGS.keys())
        with self._threads.limit(limits=BLAS_THREADS, user_api="blas"):
            _TRAINING_MEANINGS.update(zip(new, self.encoder.encode_many(new), strict=True))
        for example in examples:
            self._add_features(example, _TRAINING_MEANINGS[example.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the meaning of each incoming message."""
        with self._threads.limit(limits=BLAS_THREADS, user_api="blas"):
            for message in messages:
                if message.get(TEXT) is not None:
                    self._add_features(message, self.encoder.encode(message.get(TEXT)))
        return messages
