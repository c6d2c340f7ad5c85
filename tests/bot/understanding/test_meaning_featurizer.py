"""Each message's meaning reaches the classifiers as one more block of features."""

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.understanding.features import MEANING_WEIGHT, sentence_features
from bot.understanding.meaning_featurizer import MeaningFeaturizer


@pytest.fixture(scope="module")
def featurizer():
    return MeaningFeaturizer(MeaningFeaturizer.get_default_config(), "meaning")


def test_each_message_gets_its_meaning_as_a_dense_sentence_feature(featurizer):
    [message] = featurizer.process([Message(data={TEXT: "she's not answering her door"})])
    _, sentence = message.get_dense_features(TEXT)
    assert sentence.features.shape == (1, featurizer.encoder.width)
    assert np.allclose(
        sentence.features[0], featurizer.encoder.encode(message.get(TEXT)), atol=1e-6
    )


def test_training_examples_get_the_same_meaning_as_messages(featurizer):
    text = "he keeps turning up outside her work"
    example = Message(data={TEXT: text, "intent": "describe_warning_sign"})
    featurizer.process_training_data(TrainingData([example]))
    [message] = featurizer.process([Message(data={TEXT: text})])
    assert np.allclose(
        example.get_dense_features(TEXT)[1].features,
        message.get_dense_features(TEXT)[1].features,
    )


def test_an_example_without_text_is_left_alone(featurizer):
    example = Message(data={"intent": "greet"})
    featurizer.process_training_data(TrainingData([example]))
    assert example.features == []


def test_the_classifiers_see_the_meaning_weighed_against_the_words(featurizer):
    [message] = featurizer.process([Message(data={TEXT: "help"})])
    [row] = sentence_features([message]).toarray()
    meaning = featurizer.encoder.encode("help") * MEANING_WEIGHT
    assert np.allclose(row, meaning / np.linalg.norm(meaning))


def test_messages_are_encoded_on_one_blas_thread_without_listing_the_libraries_again(
    featurizer, monkeypatch
):
    # Listing the process's libraries (a new controller) costs about 5 ms; it
    # is done once, when the featurizer is made, never for a message.
    import threadpoolctl

    made = []
    list_libraries = threadpoolctl.ThreadpoolController.__init__

    def counted(controller):
        made.append(controller)
        list_libraries(controller)

    monkeypatch.setattr(threadpoolctl.ThreadpoolController, "__init__", counted)
    threads_seen = []
    encode = featurizer.encoder.encode

    def encode_and_look(text):
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        threads_seen.append({info["num_threads"] for info in blas})
        return encode(text)

    monkeypatch.setattr(featurizer.encoder, "encode", encode_and_look)
    featurizer.process([Message(data={TEXT: "nobody has seen him for a week"})])
    # The one controller made is the test's own look at the threads.
    assert len(made) == 1
    assert threads_seen == [{1}]
