"""scripts/check_content.py catches broken content, with the right file and line."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

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
    [(path, found_line, message)] = problems(copy)
    assert (path, found_line) == ("data/agencies.yml", line)
    assert "0808 802 0301" in message


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
    [(path, line, message)] = problems(copy)
    assert path == "domain.yml" and line == len(text.splitlines()) + 2
    assert "utter_said_by_nobody is never said" in message


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
