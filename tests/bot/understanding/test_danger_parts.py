"""Another language's danger parts: which kinds a message has, alone and together."""

import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.danger_parts import COLUMNS, DangerPartsFeaturizer, parts_in
from bot.understanding.language import DANGER_PARTS_SPANS_KEY, PROJECT_DIR, build_other_language
from bot.understanding.phrases import PhraseFileError, load_danger_parts
from bot.understanding.stems import StemPhraseCompiler

PARTS = {
    "harm": ["bije", "pobił*"],
    "weapon": ["nóż", "noż*"],
    "now": ["teraz", "w tej chwili"],
    "past": ["rok temu"],
}


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("pl")
    compiler = StemPhraseCompiler(nlp)
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": DANGER_PARTS_SPANS_KEY})
    for kind, phrases in PARTS.items():
        ruler.add_patterns(compiler.patterns(phrases, label=kind, pattern_id=kind))
    return nlp


def test_harm_with_a_word_of_now_in_one_sentence(nlp):
    assert parts_in(nlp("on ja teraz bije")) == {
        "harm",
        "now",
        "message:harm+now",
        "sentence:harm+now",
    }


def test_harm_in_one_sentence_and_now_in_the_next_are_together_only_in_the_message(nlp):
    names = parts_in(nlp("Pobił ją rok temu. Teraz jest spokój"))
    assert {"message:harm+now", "message:harm+past", "sentence:harm+past"} <= names
    assert "sentence:harm+now" not in names


def test_a_message_without_parts_has_no_features(nlp):
    assert parts_in(nlp("dzień dobry, mam pytanie")) == set()
    assert parts_in(nlp("")) == set()


def test_every_message_with_text_gets_the_block_even_when_empty(nlp):
    featurizer = DangerPartsFeaturizer("danger_parts", DangerPartsFeaturizer.get_default_config())
    danger = Message(data={TEXT: "ma nóż w tej chwili"})
    danger.set(SPACY_DOCS[TEXT], nlp(danger.get(TEXT)))
    quiet = Message(data={TEXT: "dziękuję"})
    quiet.set(SPACY_DOCS[TEXT], nlp(quiet.get(TEXT)))
    featurizer.process([danger, quiet])
    [_, danger_row] = danger.get_sparse_features(TEXT)
    [_, quiet_row] = quiet.get_sparse_features(TEXT)
    assert danger_row.features.shape == quiet_row.features.shape == (1, len(COLUMNS))
    columns = set(danger_row.features.tocoo().col)
    expected = ("weapon", "now", "message:weapon+now", "sentence:weapon+now")
    assert columns == {COLUMNS[name] for name in expected}
    assert quiet_row.features.nnz == 0


def test_a_kind_the_featurizer_does_not_know_is_refused(tmp_path):
    parts = tmp_path / "danger_cues.yml"
    parts.write_text("danger_cues:\n  harm: [bije]\n  spooky: [duch]\n", encoding="utf-8")
    with pytest.raises(PhraseFileError, match="'spooky' is not a kind"):
        load_danger_parts(parts)


def test_the_polish_pipeline_marks_its_danger_parts():
    polish = build_other_language("pl")
    assert "danger_parts_ruler" in polish.pipe_names
    doc = polish("on ją teraz bije")
    kinds = {span.label_ for span in doc.spans[DANGER_PARTS_SPANS_KEY]}
    assert {"harm", "now"} <= kinds
    assert (PROJECT_DIR / "data" / "pl" / "danger_cues.yml").is_file()
