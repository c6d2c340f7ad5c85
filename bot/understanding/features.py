"""What the learnt classifiers see of a message: its words and character n-grams.

Rasa's count featurizers give raw counts, so a long message has large features
and a linear classifier grows surer of itself the more someone writes: a
rambling, worried account of a neighbour came out as danger at 0.99. Here each
featurizer's block says only which words and n-grams occur (not how often),
scaled to unit length, and the whole row is scaled again, so the words say
what a message means and its length does not.

The sentence encoder's block (``bot.understanding.meaning_featurizer``) is
already at unit length; it is weighed against the word blocks by
``MEANING_WEIGHT`` before the row is scaled.
"""

from __future__ import annotations

from typing import List

import numpy as np
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize

# How much the meaning counts beside the words and character n-grams, each of
# which is one unit. 2 was worse than 1 on the held-out and development sets
# alike, above all for signs (blind sign F1 0.887 against 0.929; issue 10's
# note, stop 28).
MEANING_WEIGHT = 1.0


def _blocks(message: Message) -> List[csr_matrix]:
    """Returns the message's sentence features, one block per featurizer, in pipeline order."""
    blocks = []
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
            continue
        if feature.is_sparse():
            block = csr_matrix(feature.features, dtype=np.float64)
            block.data[:] = 1.0
            blocks.append(normalize(block))
        else:
            blocks.append(csr_matrix(feature.features, dtype=np.float64) * MEANING_WEIGHT)
    return blocks


def sentence_features(messages: List[Message]) -> csr_matrix:
    """Returns one unit-length row per message: which words and n-grams it has."""
    rows = [_blocks(message) for message in messages]
    widths = next(([block.shape[1] for block in blocks] for blocks in rows if blocks), [])
    stacked = [hstack(blocks) if blocks else csr_matrix((1, sum(widths))) for blocks in rows]
    return normalize(vstack(stacked).tocsr()) if stacked else csr_matrix((0, 0))
