"""The built spaCy pipeline recognises every phrase the comms team wrote."""

import pytest

from bot.understanding.language import (
    DANGER_PHRASES_FILE,
    DANGER_SPANS_KEY,
    RELATIONSHIP_SPANS_KEY,
    RELATIONSHIPS_FILE,
    WARNING_SIGNS_FILE,
)
from bot.understanding.phrases import load_danger_phrases, load_relationships, load_warning_signs

SIGN_PHRASES = [
    (sign_id, phrase)
    for sign_id, sign in load_warning_signs(WARNING_SIGNS_FILE).items()
    for phrase in sign["phrases"]
]


RELATIONSHIP_PHRASES = [
    (relationship_id, phrase)
    for relationship_id, entry in load_relationships(RELATIONSHIPS_FILE).items()
    for phrase in entry["phrases"]
]


def sign_ids(doc):
    return {ent.id_ for ent in doc.ents if ent.label_ == "warning_sign"}


def relationship_ids(doc):
    return {span.id_ for span in doc.spans[RELATIONSHIP_SPANS_KEY]}


def test_the_pipeline_needs_no_downloaded_model(nlp):
    assert nlp.pipe_names == [
        "lemmatizer",
        "entity_ruler",
        "relationship_ruler",
        "danger_ruler",
        "danger_cue_ruler",
    ]


@pytest.mark.parametrize(("sign_id", "phrase"), SIGN_PHRASES)
def test_each_warning_sign_phrase_is_recognised_as_its_sign(nlp, sign_id, phrase):
    doc = nlp(phrase.replace("...", "always"))
    assert sign_id in sign_ids(doc)


@pytest.mark.parametrize(("relationship_id", "phrase"), RELATIONSHIP_PHRASES)
def test_each_relationship_phrase_is_recognised(nlp, relationship_id, phrase):
    assert relationship_ids(nlp(f"{phrase} is worried")) == {relationship_id}


def test_someone_else_s_friends_are_not_the_user_s_relationship(nlp):
    assert relationship_ids(nlp("she has stopped seeing her friends")) == set()


def test_a_relationship_inside_a_sign_phrase_is_kept(nlp):
    doc = nlp("a man sat outside my mum's house in his car")
    assert "followed" in sign_ids(doc)
    assert relationship_ids(doc) == {"family"}


@pytest.mark.parametrize("phrase", load_danger_phrases(DANGER_PHRASES_FILE))
def test_each_danger_phrase_is_marked(nlp, phrase):
    doc = nlp(f"oh god {phrase.replace('...', 'really')}")
    assert len(doc.spans[DANGER_SPANS_KEY]) > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My Neighbour's Curtains Are Always Closed", {"curtains_closed"}),
        ("her phone is switched off and she seems terrified", {"phone_off", "fearful"}),
        ("I saw bruises on her arm", {"injuries"}),
    ],
)
def test_signs_are_found_in_any_case_and_inflection(nlp, text, expected):
    assert expected <= sign_ids(nlp(text))


@pytest.mark.parametrize(
    "text", ["what time does the station open", "my cat is lovely", "I closed my door"]
)
def test_everyday_messages_have_no_signs_or_danger(nlp, text):
    doc = nlp(text)
    assert not sign_ids(doc)
    assert len(doc.spans[DANGER_SPANS_KEY]) == 0
