"""scripts/check_content.py catches broken content, with the right file and line."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

from bot.content_rules import WIDGET_WORDS

PROJECT_DIR = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "check_content", PROJECT_DIR / "scripts" / "check_content.py"
)
check_content = importlib.util.module_from_spec(spec)
sys.modules["check_content"] = check_content  # its dataclasses look themselves up here
spec.loader.exec_module(check_content)


@pytest.fixture
def copy(tmp_path) -> Path:
    """A copy of the content, to break."""
    for part in ("domain.yml", "data", "actions", "tests/stories"):
        source, target = PROJECT_DIR / part, tmp_path / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return tmp_path


def replace(path: Path, old: str, new: str) -> int:
    """Replaces text once; returns the 1-based line where the change is."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text[:at].count("\n") + 1


def line_of_variation(path: Path, response: str, number: int = 1) -> int:
    """Returns the line of a response's n-th "- " variation."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {response}:")
    variations = [i for i in range(start + 1, len(lines)) if lines[i].startswith("    - ")]
    return variations[number - 1] + 1


def problems(root: Path):
    return [(str(p.path), p.line, p.message) for p in check_content.problems_in(root)]


def test_the_real_content_passes():
    assert problems(PROJECT_DIR) == []


def test_an_invented_phone_number_is_caught(copy):
    domain = copy / "domain.yml"
    replace(domain, "Take care.", "Or ring 0800 123 4567. Take care.")
    [(path, line, message)] = problems(copy)
    assert (path, line) == ("domain.yml", line_of_variation(domain, "utter_goodbye"))
    assert "0800 123 4567" in message and "verified list" in message


def test_a_wrong_number_in_the_agency_list_is_caught(copy):
    agencies = copy / "data" / "agencies.yml"
    line = replace(agencies, "0808 802 0300", "0808 802 0301")
    [(path, found_line, message), polish] = problems(copy)
    assert (path, found_line) == ("data/agencies.yml", line)
    assert "0808 802 0301" in message
    # The Polish list still gives the right number, so it no longer matches.
    assert polish[0] == "data/pl/agencies.yml" and "same numbers" in polish[2]


def test_a_dropped_999_in_the_danger_response_is_caught(copy):
    domain = copy / "domain.yml"
    replace(domain, "please call 999 now", "please get help now")
    replace(domain, "call 999 from a mobile, listen", "call from a mobile, listen")
    found = problems(copy)
    assert [(p, line) for p, line, _ in found] == [
        ("domain.yml", line_of_variation(domain, "utter_immediate_danger"))
    ]
    assert "lost its 999" in found[0][2]


def test_a_misspelt_placeholder_is_caught(copy):
    domain = copy / "domain.yml"
    replace(domain, "I've noted: {new_signs}.", "I've noted: {new_sings}.")
    [(path, line, message)] = problems(copy)
    assert (path, line) == ("domain.yml", line_of_variation(domain, "utter_signs_noted", 2))
    assert "{new_sings}" in message


def test_a_value_an_action_passes_is_a_known_placeholder(copy):
    # {reference} is no slot: action_submit_concern passes it with the response.
    assert "{reference}" in (copy / "domain.yml").read_text()
    assert problems(copy) == []


def test_a_web_address_in_a_response_is_caught(copy):
    replace(copy / "domain.yml", "Take care.", "See www.example.invalid. Take care.")
    [(_, _, message)] = problems(copy)
    assert "web address" in message


def test_a_message_longer_than_a_screenful_is_caught(copy):
    replace(copy / "domain.yml", "Take care.", "Take care. " + "We are here for you. " * 40)
    messages = [message for _, _, message in problems(copy)]
    assert any("more than a screenful" in message for message in messages)


def test_hard_reading_is_caught(copy):
    hard = (
        "Notwithstanding aforementioned considerations, institutional safeguarding "
        "methodologies necessitate comprehensive multidisciplinary evaluation, "
        "prioritisation and operationalisation of proportionate interventions. "
    )
    replace(copy / "domain.yml", "You're welcome. Thank you", hard + "Thank you")
    messages = [message for _, _, message in problems(copy)]
    assert any("hard to read" in message for message in messages)


def test_an_example_under_two_intents_is_caught(copy):
    chitchat = copy / "data" / "nlu" / "chitchat.yml"
    line = replace(chitchat, "    - hiya\n", "    - i want to make a report\n")
    [(path, found_line, message)] = problems(copy)
    # Both places are named: the one found second, and the first in the message.
    places = {f"{path}:{found_line}"} | set(re.findall(r"\(([\w/.]+:\d+)\)", message))
    assert f"data/nlu/chitchat.yml:{line}" in places
    assert "want_to_report and greet" in message or "greet and want_to_report" in message


def test_a_polish_example_under_two_intents_is_caught(copy):
    # "cześć" is a Polish greeting; here it is also a request to report.
    report = copy / "data" / "pl" / "nlu" / "report.yml"
    line = replace(report, "  examples: |\n", "  examples: |\n    - cześć\n") + 1
    [(path, found_line, message)] = problems(copy)
    assert (path, found_line) == ("data/pl/nlu/report.yml", line)
    assert "want_to_report and greet" in message
    assert "data/pl/nlu/chitchat.yml:" in message


def test_an_intent_with_too_few_examples_is_caught(copy):
    domain = copy / "domain.yml"
    line = replace(domain, "  - inform\n", "  - inform\n  - ask_opening_hours\n") + 1
    found = problems(copy)
    assert ("domain.yml", line) in [(p, n) for p, n, _ in found]
    assert any("ask_opening_hours has 0 example" in m for _, _, m in found)


def test_a_response_nothing_says_is_caught(copy):
    domain = copy / "domain.yml"
    text = domain.read_text()
    domain.write_text(text + "\n  utter_said_by_nobody:\n    - text: Nobody says this.\n")
    # A new English reply is also one the Polish lacks, until it is translated.
    [(polish, _, missing), (path, line, message)] = problems(copy)
    assert path == "domain.yml" and line == len(text.splitlines()) + 2
    assert "utter_said_by_nobody is never said" in message
    assert polish == "data/pl/responses.yml"
    assert missing.startswith("utter_said_by_nobody is missing: the English has it")


def test_a_single_brace_in_a_button_payload_is_caught(copy):
    domain = copy / "domain.yml"
    line = replace(
        domain,
        """payload: '/inform{{"choice": "a few weeks"}}'""",
        """payload: '/inform{"choice": "a few weeks"}'""",
    )
    found = problems(copy)
    # The problem is reported on the button's line ("- title: ...", just above).
    assert [(path, at) for path, at, message in found if "single brace" in message] == [
        ("domain.yml", line - 1)
    ]


# Every language is held to the same rules (issue 15): here the Polish replies.


def test_an_invented_number_in_a_polish_reply_is_caught(copy):
    polish = copy / "data" / "pl" / "responses.yml"
    replace(polish, "zadzwoń od razu pod 999.", "zadzwoń od razu pod 999 albo 0800 123 4567.")
    [(path, line, message)] = problems(copy)
    assert (path, line) == (
        "data/pl/responses.yml",
        line_of_variation(polish, "utter_immediate_danger"),
    )
    assert "'0800 123 4567'" in message and "verified list" in message


def test_a_polish_danger_reply_without_999_is_caught(copy):
    polish = copy / "data" / "pl" / "responses.yml"
    replace(polish, "zadzwoń od razu pod 999.", "zadzwoń od razu po pomoc.")
    replace(
        polish,
        "zadzwoń pod 999 z telefonu komórkowego, wysłuchaj",
        "zadzwoń z telefonu komórkowego, wysłuchaj",
    )
    [(path, line, message)] = problems(copy)
    assert (path, line) == (
        "data/pl/responses.yml",
        line_of_variation(polish, "utter_immediate_danger"),
    )
    assert "lost its 999" in message


def test_a_reply_the_english_has_and_the_polish_lacks_is_caught(copy):
    polish = copy / "data" / "pl" / "responses.yml"
    text = polish.read_text(encoding="utf-8")
    start = text.index("  utter_ask_anything_else:")
    polish.write_text(text[:start] + text[text.index("  utter_ask_what_else:") :], encoding="utf-8")
    [(path, _, message)] = problems(copy)
    assert path == "data/pl/responses.yml"
    assert message.startswith("utter_ask_anything_else is missing: the English has it")


def test_a_polish_danger_reply_missing_altogether_is_caught_by_both_rules(copy):
    polish = copy / "data" / "pl" / "responses.yml"
    replace(polish, "  utter_immediate_danger:", "  utter_immediate_dangr:")
    messages = sorted(message for _, _, message in problems(copy))
    assert messages == [
        "utter_immediate_danger is missing: it is on the danger path and must exist.",
        "utter_immediate_danger is missing: the English has it, so the Polish must have it too.",
        "utter_immediate_dangr is not a reply the English has.",
    ]


def test_a_polish_button_that_sends_something_else_is_caught(copy):
    polish = copy / "data" / "pl" / "responses.yml"
    line = replace(polish, "payload: /deny", "payload: /affirm")
    [(path, _, message)] = problems(copy)
    assert path == "data/pl/responses.yml" and "same payloads as the English" in message
    assert line > line_of_variation(polish, "utter_ask_anything_else")


def test_a_language_listed_without_its_replies_is_caught(copy):
    (copy / "data" / "pl" / "responses.yml").unlink()
    [(path, line, message)] = problems(copy)
    assert (path, line) == ("data/languages.yml", 1)
    assert "Polish (pl) has no replies" in message


def test_a_language_marked_reviewed_without_its_reviewer_is_caught(copy):
    replace(copy / "data" / "languages.yml", "review: draft", "review: reviewed")
    [(path, line, message)] = problems(copy)
    assert (path, line) == ("data/languages.yml", 1)
    assert message == "'pl' is marked reviewed but names no reviewer"


# The words actions write answers with, and the agency list, in every language.


def test_an_invented_number_in_the_polish_agency_list_is_caught(copy):
    agencies = copy / "data" / "pl" / "agencies.yml"
    line = replace(agencies, "0808 802 0300", "0808 802 0301")
    found = problems(copy)
    assert ("data/pl/agencies.yml", line) in [(path, at) for path, at, _ in found]
    assert any("0808 802 0301" in message for _, _, message in found)
    assert any("same numbers in the same order" in message for _, _, message in found)


def test_a_polish_agency_list_naming_another_organisation_is_caught(copy):
    replace(copy / "data" / "pl" / "agencies.yml", "- Blue Door", "- Niebieska Linia")
    [(path, _, message)] = problems(copy)
    assert path == "data/pl/agencies.yml" and "same organisations" in message


def test_polish_report_words_that_lose_a_placeholder_or_an_entry_are_caught(copy):
    words = copy / "data" / "pl" / "report_words.yml"
    replace(words, "Gdzie: {where}", "Gdzie: tutaj")
    replace(words, "  a few days: kilka dni\n", "")
    found = sorted(message for _, _, message in problems(copy))
    assert len(found) == 2
    assert found[0].startswith("durations.a few days is missing")
    assert found[1].startswith("summary.where must keep the English's placeholders ({where})")


def test_a_polish_sign_without_its_label_or_unknown_to_the_english_is_caught(copy):
    signs = copy / "data" / "pl" / "warning_signs.yml"
    replace(signs, "    label: obrażenia\n", "")
    replace(
        signs,
        "  withdrawn:\n",
        "  sad_face:\n    label: smutek\n    phrases: [smutn*]\n  withdrawn:\n",
    )
    messages = sorted(message for _, _, message in problems(copy))
    assert messages == [
        "injuries has no label: the English says it back.",
        "sad_face is not a sign the English has.",
    ]


def test_a_placeholder_nothing_fills_in_the_report_words_is_caught(copy):
    replace(copy / "data" / "report_words.yml", "Where: {where}", "Where: {address}")
    found = [message for _, _, message in problems(copy)]
    assert any("{address}, which nothing fills" in message for message in found)


def test_a_polish_widget_notice_without_999_is_caught(copy):
    widget = copy / "data" / "pl" / "widget.yml"
    line = replace(widget, "zadzwoń pod 999. To jest", "zadzwoń do nas. To jest")
    [(path, found_line, message)] = problems(copy)
    assert (path, found_line) == ("data/pl/widget.yml", line)
    assert message == "notice has lost its 999: it must give it."


def test_a_polish_widget_missing_a_word_or_its_file_is_caught(copy):
    widget = copy / "data" / "pl" / "widget.yml"
    replace(widget, "send: Wyślij\n", "")
    assert [message for _, _, message in problems(copy)] == [
        "send is missing: the widget needs it."
    ]
    widget.unlink()
    [(path, _, message)] = problems(copy)
    assert path == "data/pl/widget.yml" and message.startswith("is missing")


def test_the_widgets_english_words_are_the_ones_every_language_translates():
    script = (PROJECT_DIR / "bot/web/static/widget/widget.js").read_text(encoding="utf-8")
    start = script.index("var ENGLISH = {")
    english = script[start : script.index("};", start)]
    keys = re.findall(r"^\s+(\w+):", english, re.MULTILINE)
    # The safe default is the web service's own (bot/web/protection.py).
    assert keys == [name for name in WIDGET_WORDS if name != "safe_default"]


def test_a_polish_widget_button_named_like_a_reply_button_is_caught(copy):
    replace(copy / "data" / "pl" / "responses.yml", '"Wyślij zgłoszenie"', '"Wyślij"')
    [(path, _, message)] = problems(copy)
    assert path == "data/pl/widget.yml" and message.startswith("send is also the title")


def test_no_english_widget_button_is_named_like_a_reply_button():
    script = (PROJECT_DIR / "bot/web/static/widget/widget.js").read_text(encoding="utf-8")
    titles = {
        button["title"].lower()
        for variations in check_content.Content(PROJECT_DIR).english.responses.values()
        for variation in variations
        for button in variation.get("buttons") or []
    }
    for name in ("send", "clear", "close", "leave"):
        word = re.search(rf'^\s+{name}: "([^"]+)"', script, re.MULTILINE).group(1)
        assert word.lower() not in titles, name
