"""The safety net sets immediate_danger whenever a clear danger phrase is present."""

import pytest
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety_net import DangerSafetyNet


def classified(nlp, text, intent="describe_warning_sign", confidence=0.9):
    """Returns a message as it leaves the classifier, before the safety net."""
    message = Message(data={TEXT: text})
    message.set(SPACY_DOCS[TEXT], nlp(text))
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(
        INTENT_RANKING_KEY,
        [
            {"name": intent, "confidence": confidence},
            {"name": "immediate_danger", "confidence": 1 - confidence},
        ],
    )
    return message


@pytest.fixture
def safety_net():
    return DangerSafetyNet()


@pytest.mark.parametrize(
    "text",
    [
        "he's outside with a knife",
        "She says she is going to kill herself",
        "someone is breaking in right now",
        "he threatened to kill her tonight",
        "please help he is hitting her right now",
    ],
)
def test_danger_overrides_a_confident_other_intent(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text)])
    assert message.get(INTENT) == {"name": "immediate_danger", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "immediate_danger"
    assert [r["name"] for r in ranking].count("immediate_danger") == 1


def test_danger_overrides_the_fallback(nlp, safety_net):
    message = classified(nlp, "he has got a knife", intent="nlu_fallback", confidence=0.3)
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "immediate_danger"


@pytest.mark.parametrize(
    "text",
    [
        "she is not in danger right now, I just worry",
        "he hasn't got a knife or anything",
        "her curtains are always closed",
    ],
)
def test_no_danger_phrase_leaves_the_intent_alone(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text)])
    assert message.get(INTENT)["name"] == "describe_warning_sign"


def test_a_message_without_a_spacy_doc_is_left_alone(safety_net):
    message = Message(data={TEXT: "he has a knife"})
    message.set(INTENT, {"name": "greet", "confidence": 0.9})
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "greet"


def test_screaming_now_is_danger_not_the_past_shouting_sign(nlp, safety_net):
    message = classified(nlp, "she's screaming for help right now")
    message.set(
        ENTITIES,
        [
            {"entity": "warning_sign", "value": "shouting"},
            {"entity": "relationship", "value": "neighbour"},
        ],
    )
    [message] = safety_net.process([message])
    assert message.get(ENTITIES) == [{"entity": "relationship", "value": "neighbour"}]


def test_shouting_heard_before_is_kept_when_there_is_no_danger(nlp, safety_net):
    message = classified(nlp, "I heard shouting last week")
    message.set(ENTITIES, [{"entity": "warning_sign", "value": "shouting"}])
    [message] = safety_net.process([message])
    assert message.get(ENTITIES) == [{"entity": "warning_sign", "value": "shouting"}]
