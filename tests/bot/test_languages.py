"""data/languages.yml: which languages there are, where their replies live, who reviewed them."""

from __future__ import annotations

import pytest
import yaml

from bot.languages import LanguageFileError, language_domain, load_languages
from bot.languages import main as languages_main
from tests.assistant import PROJECT_DIR


def test_english_comes_first_and_its_replies_are_the_domains():
    languages = load_languages()
    assert list(languages)[0] == "en"
    assert languages["en"].reviewed
    assert languages["en"].responses_file() == PROJECT_DIR / "domain.yml"


def test_every_other_language_keeps_its_replies_in_its_own_folder():
    for code, language in load_languages().items():
        if code != "en":
            assert language.responses_file() == PROJECT_DIR / "data" / code / "responses.yml"
            assert language.responses_file().is_file()


def test_the_polish_is_a_draft_until_a_translator_reviews_it():
    polish = load_languages()["pl"]
    assert (polish.name, polish.english_name) == ("Polski", "Polish")
    assert not polish.reviewed and polish.reviewed_by is None


@pytest.mark.parametrize(
    "entries, complaint",
    [
        ("  pl:\n    name: Polski\n    review: draft\n", "with 'en'"),
        ("  en:\n    name: English\n    review: checked\n", "review state"),
        ("  en:\n    review: reviewed\n", "needs a name"),
        (
            "  en:\n    name: English\n    review: reviewed\n"
            "  pl:\n    name: Polski\n    review: reviewed\n",
            "names no reviewer",
        ),
        (
            "  en:\n    name: English\n    review: reviewed\n"
            "  pol:\n    name: P\n    review: draft\n",
            "two-letter",
        ),
    ],
)
def test_a_file_out_of_shape_is_refused_with_the_reason(tmp_path, entries, complaint):
    path = tmp_path / "languages.yml"
    path.write_text("languages:\n" + entries, encoding="utf-8")
    with pytest.raises(LanguageFileError, match=complaint):
        load_languages(path)


def test_the_polish_assistant_has_the_english_structure_and_the_polish_replies():
    languages = load_languages()
    english, polish = (language_domain(languages[code]) for code in ("en", "pl"))
    for part in ("intents", "entities", "forms", "actions", "session_config"):
        assert polish[part] == english[part], part
    assert polish["slots"].keys() == english["slots"].keys()
    assert polish["responses"].keys() == english["responses"].keys()
    assert polish["responses"] != english["responses"]
    assert "999" in polish["responses"]["utter_immediate_danger"][0]["text"]
    # The slot that tags each report with the language the person wrote in.
    assert polish["slots"]["language"]["initial_value"] == "pl"
    assert english["slots"]["language"]["initial_value"] == "en"


def test_the_polish_domain_is_written_for_rasa(tmp_path):
    out = tmp_path / "pl" / "domain.yml"
    assert languages_main(["domain", "pl", str(out)]) == 0
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written == language_domain(load_languages()["pl"])
    assert languages_main(["domain", "xx", str(tmp_path / "xx.yml")]) == 2
