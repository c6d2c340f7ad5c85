"""Warning signs and relationships always come out as canonical ids."""

import pytest
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.entity_extractor import PhraseEntityExtractor


def extracted(nlp, text, earlier=()):
    message = Message(data={TEXT: text})
    message.set(SPACY_DOCS[TEXT], nlp(text))
    message.set(ENTITIES, list(earlier))
    [message] = PhraseEntityExtractor().process([message])
    return message.get(ENTITIES)


def test_signs_and_relationships_become_entities_with_canonical_values(nlp):
    text = "my nan's curtains are always shut and her phone is switched off"
    entities = extracted(nlp, text)
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("relationship", "family"),
        ("warning_sign", "curtains_closed"),
        ("warning_sign", "phone_off"),
    ]
    curtains = entities[1]
    assert text[curtains["start"] : curtains["end"]].startswith("curtains")
    assert curtains["extractor"] == "PhraseEntityExtractor"


def test_entities_found_earlier_in_the_pipeline_are_kept(nlp):
    earlier = [{"entity": "other", "value": "x", "start": 0, "end": 1}]
    assert extracted(nlp, "hello", earlier) == earlier


@pytest.mark.parametrize(
    "text", ["", "   ", "\U0001f622\U0001f622", "\u0645\u0631\u062d\u0628\u0627"]
)
def test_odd_input_gives_no_entities_and_no_error(nlp, text):
    assert extracted(nlp, text) == []


def test_a_message_without_a_spacy_doc_is_left_alone():
    message = Message(data={TEXT: "her curtains are shut"})
    [message] = PhraseEntityExtractor().process([message])
    assert message.get(ENTITIES, []) == []
