"""data/languages.yml: which languages there are, where their replies live, who reviewed them."""

from __future__ import annotations

import pytest

from bot.languages import LanguageFileError, load_languages
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
