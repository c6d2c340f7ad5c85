"""Safety content is verified fact: only verified numbers, and 999/101 where they belong."""

import re
from pathlib import Path

import pytest
import yaml

from bot.content_rules import ADVICE_PATH, DANGER_PATH, NUMBER, VERIFIED_NUMBERS

PROJECT_DIR = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
AGENCIES = yaml.safe_load((PROJECT_DIR / "data" / "agencies.yml").read_text())


def strings_in(content):
    """Yields every string anywhere inside parsed YAML content."""
    if isinstance(content, str):
        yield content
    elif isinstance(content, dict):
        for value in content.values():
            yield from strings_in(value)
    elif isinstance(content, list):
        for value in content:
            yield from strings_in(value)


def texts_of(response):
    """Returns every variation's text of a response; fails if there is no such response.

    So that a renamed or emptied response fails its safety test rather than
    leave it checking nothing.
    """
    texts = [variation.get("text", "") for variation in DOMAIN["responses"].get(response) or []]
    assert texts, f"{response} is not a response in domain.yml"
    return texts


@pytest.mark.parametrize(
    "content", [DOMAIN["responses"], AGENCIES], ids=["domain responses", "agencies"]
)
def test_only_verified_numbers_appear(content):
    numbers = {n for text in strings_in(content) for n in NUMBER.findall(str(text))}
    assert numbers - VERIFIED_NUMBERS == set()


@pytest.mark.parametrize(
    "response",
    ["utter_opening", "utter_immediate_danger", "utter_self_victim"],
)
def test_danger_responses_give_999_before_anything_else_is_asked(response):
    for text in texts_of(response):
        assert "999" in "\n\n".join(text.split("\n\n")[:2])


def test_the_danger_response_starts_with_999():
    [text] = texts_of("utter_immediate_danger")
    assert "999" in text.split(".")[0]


@pytest.mark.parametrize("response", ADVICE_PATH)
def test_advice_responses_keep_999_and_101(response):
    for text in texts_of(response):
        assert "999" in text and "101" in text, response


@pytest.mark.parametrize("response", DANGER_PATH)
def test_danger_path_responses_give_999(response):
    assert all("999" in text for text in texts_of(response))


def test_the_silent_solution_and_textphone_are_in_the_opening_and_danger_advice():
    for response in ("utter_opening", "utter_immediate_danger"):
        for text in texts_of(response):
            assert "press 55" in text and "18000" in text


def visible_text(path: Path) -> str:
    """Returns what a reader sees of a page or script: its text, without markup."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->|<[^>]+>", " ", text, flags=re.DOTALL)
    return re.sub(r"\s+", " ", text)


def test_the_demo_page_gives_only_verified_numbers():
    text = visible_text(PROJECT_DIR / "bot/web/static/demo/index.html")
    assert set(NUMBER.findall(text)) - VERIFIED_NUMBERS == set()


def widget_words(name: str) -> str:
    """Returns one of the widget's own English words, as its script writes it."""
    code = (PROJECT_DIR / "bot/web/static/widget/widget.js").read_text(encoding="utf-8")
    statement = re.search(rf"^    {name}:(.*?),$", code, flags=re.DOTALL | re.MULTILINE).group(1)
    return "".join(re.findall(r'"([^"]*)"', statement))


def test_the_widgets_own_message_gives_only_verified_numbers_999_first():
    message = widget_words("unreachable")
    assert set(NUMBER.findall(message)) == {"999", "101"}
    assert message.index("999") < message.index("101")
    assert set(NUMBER.findall(widget_words("notice"))) == {"999"}


def test_the_safe_default_gives_999_then_101():
    from bot.web.protection import SAFE_DEFAULT

    assert SAFE_DEFAULT.index("999") < SAFE_DEFAULT.index("101")
