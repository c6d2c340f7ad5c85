"""scripts/validate.py: Rasa's validation, failing on every warning but one kind."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("validate", PROJECT_DIR / "scripts" / "validate.py")
validate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(validate)


def test_the_real_data_passes():
    assert validate.main([]) == 0


def test_a_response_nothing_uses_fails(tmp_path, capsys):
    domain = tmp_path / "domain.yml"
    domain.write_text(
        (PROJECT_DIR / "domain.yml").read_text()
        + "\n  utter_said_by_nobody:\n    - text: Nobody says this.\n"
    )
    assert validate.main(["--domain", str(domain)]) == 1
    assert "utter_said_by_nobody" in capsys.readouterr().err


def test_an_intent_no_rule_uses_fails(tmp_path, capsys):
    domain = tmp_path / "domain.yml"
    text = (PROJECT_DIR / "domain.yml").read_text()
    domain.write_text(text.replace("  - inform\n", "  - inform\n  - unused_intent\n", 1))
    assert validate.main(["--domain", str(domain)]) == 1
    assert "unused_intent" in capsys.readouterr().err


def test_form_questions_include_those_asked_only_sometimes():
    domain = {
        "forms": {"report_form": {"required_slots": ["what"]}},
        "slots": {
            "which": {
                "mappings": [
                    {
                        "type": "from_text",
                        "conditions": [{"active_loop": "report_form", "requested_slot": "which"}],
                    }
                ]
            }
        },
    }
    assert validate.form_questions(domain) == {
        "utter_ask_what",
        "utter_ask_report_form_what",
        "utter_ask_which",
    }


def test_responses_named_in_actions_are_found(tmp_path):
    action = tmp_path / "example.py"
    action.write_text('dispatcher.utter_message(response="utter_receipt")\nx = "utter not"\n')
    assert validate.responses_named_in_actions([action]) == {"utter_receipt"}


@pytest.mark.parametrize(
    ("message", "counted"),
    [
        ("The utterance 'utter_receipt' is not used in any story or rule.", False),
        ("The utterance 'utter_other' is not used in any story or rule.", True),
        ("Slot auto-fill has been removed in 3.0 and replaced with ...", False),
        ("The intent 'greet' is not used in any story or rule.", True),
    ],
)
def test_only_the_exempt_warnings_are_forgiven(message, counted):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(message, UserWarning, stacklevel=1)
    assert bool(validate.real_problems(caught, {"utter_receipt"})) is counted
