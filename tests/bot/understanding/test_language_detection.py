"""A message clearly in another language is recognised, and English never is.

tests/other_languages.yml was written by a helper apart from the training
examples (data/nlu/other_language.yml), in the languages most spoken locally
after English.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.language_detection import (
    LOCAL_LANGUAGES,
    OTHER_LANGUAGE_INTENT,
    LanguageIdentifier,
    OtherLanguageDetector,
    words_of,
)

PROJECT_DIR = Path(__file__).resolve().parents[3]
OTHER_LANGUAGES = yaml.safe_load((PROJECT_DIR / "tests" / "other_languages.yml").read_text())
ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}")


def english_examples() -> List[str]:
    """Returns every English message of the training and held-out sets."""
    files = sorted((PROJECT_DIR / "data" / "nlu").glob("*.yml"))
    # Not the blind set: its messages must never be shown to whoever writes
    # training data, and a failing assertion would print them.
    files += [PROJECT_DIR / "tests" / "nlu_holdout.yml"]
    texts = []
    for path in files:
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if block.get("intent") in (None, OTHER_LANGUAGE_INTENT):
                continue
            for line in block["examples"].splitlines():
                if line.startswith("- "):
                    texts.append(ANNOTATION.sub(r"\1", line[2:]))
    return texts


def other_language_messages() -> List[Tuple[str, str]]:
    return [(code, text) for code, texts in OTHER_LANGUAGES["messages"].items() for text in texts]


def training_words() -> List[str]:
    """Returns the words the detector learns from the training examples."""
    files = sorted((PROJECT_DIR / "data" / "nlu").glob("*.yml"))
    words = set()
    for path in files:
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if block.get("intent") not in (None, OTHER_LANGUAGE_INTENT):
                words |= set(words_of(ANNOTATION.sub(r"\1", block["examples"])))
    return sorted(words)


@pytest.fixture(scope="module")
def identifier():
    return LanguageIdentifier(training_words())


def test_the_test_messages_cover_every_local_language():
    assert set(OTHER_LANGUAGES["messages"]) == set(LOCAL_LANGUAGES)
    assert all(len(texts) >= 10 for texts in OTHER_LANGUAGES["messages"].values())


@pytest.mark.parametrize(("code", "text"), other_language_messages())
def test_a_message_in_a_local_language_is_not_taken_for_english(identifier, code, text):
    assert identifier.other_language(text) is not None


def test_no_english_example_is_taken_for_another_language(identifier):
    mistaken = [text for text in english_examples() if identifier.other_language(text)]
    assert mistaken == []


def test_the_detector_sets_other_language_and_keeps_the_ranking(identifier):
    message = Message(data={TEXT: "Mój sąsiad nie wychodzi z domu od tygodnia"})
    message.set(INTENT, {"name": "out_of_scope", "confidence": 0.7})
    message.set(INTENT_RANKING_KEY, [{"name": "out_of_scope", "confidence": 0.7}])
    [message] = OtherLanguageDetector(identifier).process([message])
    assert message.get(INTENT) == {"name": OTHER_LANGUAGE_INTENT, "confidence": 1.0}
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == [
        OTHER_LANGUAGE_INTENT,
        "out_of_scope",
    ]
    # The language found goes into the parse data, for the comms team's counts.
    assert message.as_dict(only_output_properties=True)["other_language"] == "pl"


@pytest.mark.parametrize("text", ["/affirm", "ta", "hiya love", "nie"])
def test_payloads_and_single_words_are_left_alone(identifier, text):
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": "greet", "confidence": 0.9})
    [message] = OtherLanguageDetector(identifier).process([message])
    assert message.get(INTENT)["name"] == "greet"
    assert "other_language" not in message.as_dict(only_output_properties=True)


@pytest.mark.parametrize("text", ["我的邻居很害怕", "помогите", "ساعدني"])
def test_a_message_wholly_in_another_script_is_another_language(identifier, text):
    assert identifier.other_language(text) is not None
