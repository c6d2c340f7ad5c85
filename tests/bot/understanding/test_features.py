"""What the learnt classifiers see: which words and n-grams occur, at unit length."""

import numpy as np
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix

from bot.understanding.features import sentence_features


def message(words, ngrams):
    """Returns a message with two featurizers' sentence counts, as Rasa leaves them."""
    found = Message(data={TEXT: "made up"})
    for origin, counts in (("words", words), ("ngrams", ngrams)):
        found.add_features(Features(csr_matrix([counts]), "sentence", TEXT, origin))
    return found


def test_each_row_is_of_unit_length():
    rows = sentence_features([message([1, 0, 2], [3, 1]), message([0, 1, 0], [0, 5])])
    assert np.allclose(np.linalg.norm(rows.toarray(), axis=1), 1.0)


def test_saying_the_same_words_more_often_changes_nothing():
    # A long, repetitive message must not look surer than a short one.
    short, long = sentence_features([message([1, 0, 1], [1, 1]), message([7, 0, 3], [9, 4])])
    assert np.allclose(short.toarray(), long.toarray())


def test_each_featurizer_counts_equally():
    # Many n-grams do not drown out a few words.
    [row] = sentence_features([message([1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1, 1])]).toarray()
    assert np.isclose(np.linalg.norm(row[:3]), np.linalg.norm(row[3:]))


def test_a_message_without_features_is_a_row_of_zeros():
    rows = sentence_features([message([1, 1], [1]), Message(data={TEXT: ""})])
    assert rows.shape == (2, 3)
    assert rows[1].nnz == 0
