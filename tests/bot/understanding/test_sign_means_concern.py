"""A message that names a warning sign is a concern when out of scope only just came first."""

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.sign_means_concern import SignMeansConcern

CURTAINS = {
    "entity": "warning_sign",
    "value": "curtains_closed",
    "extractor": "PhraseEntityExtractor",
}
LEARNT = {**CURTAINS, "extractor": "WarningSignClassifier"}


def classified(ranking, entities):
    message = Message(data={TEXT: "made up"})
    ranking = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, ranking[0])
    message.set(INTENT_RANKING_KEY, ranking)
    message.set(ENTITIES, entities)
    return message


@pytest.fixture
def component():
    return SignMeansConcern()


def test_a_named_sign_makes_a_near_out_of_scope_a_concern(component):
    message = classified([("out_of_scope", 0.5), ("describe_warning_sign", 0.47)], [CURTAINS])
    [message] = component.process([message])
    assert message.get(INTENT)["name"] == "describe_warning_sign"
    assert message.get(INTENT)["confidence"] == pytest.approx(0.97)
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == ["describe_warning_sign"]


@pytest.mark.parametrize(
    ("ranking", "entities"),
    [
        # No sign from the phrase files: out of scope stands.
        ([("out_of_scope", 0.5), ("describe_warning_sign", 0.47)], []),
        # A sign only the learnt classifier guessed is not enough.
        ([("out_of_scope", 0.5), ("describe_warning_sign", 0.47)], [LEARNT]),
        # The concern was not the next reading.
        ([("out_of_scope", 0.6), ("ask_support_services", 0.3)], [CURTAINS]),
        # A question keeps its intent; the sign is noted anyway.
        ([("ask_confidentiality", 0.6), ("describe_warning_sign", 0.3)], [CURTAINS]),
    ],
)
def test_everything_else_is_left_alone(component, ranking, entities):
    message = classified(ranking, entities)
    [message] = component.process([message])
    assert message.get(INTENT)["name"] == ranking[0][0]
