"""The held-out scoring counts what it claims to count."""

import pytest

from scripts import evaluate
from scripts.evaluate import fallback_sweep, sign_values, top_real_intent, value_f1


def test_sign_values_ignore_other_entities():
    entities = [
        {"entity": "warning_sign", "value": "injuries"},
        {"entity": "relationship", "value": "friend"},
    ]
    assert sign_values(entities) == {"injuries"}


def test_value_f1_counts_each_message_s_values():
    pairs = [({"injuries", "fearful"}, {"injuries"}), (set(), {"withdrawn"}), ({"x"}, {"x"})]
    f1, counts = value_f1(pairs)
    assert dict(counts) == {"tp": 2, "fp": 1, "fn": 1}
    assert f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))


def test_value_f1_of_nothing_expected_and_nothing_found_is_perfect():
    assert value_f1([(set(), set())])[0] == 1.0


def test_the_fallback_is_skipped_when_finding_the_best_real_intent():
    parse = {
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.6},
            {"name": "greet", "confidence": 0.4},
        ]
    }
    assert top_real_intent(parse) == ("greet", 0.4)


def test_the_sweep_counts_right_and_wrong_answers_under_each_threshold():
    rows = [("greet", "greet", 0.35, "greet"), ("deny", "affirm", 0.45, "affirm")]
    by_threshold = {row["threshold"]: row for row in fallback_sweep(rows)}
    assert by_threshold[0.4]["right_answers_sent_to_rephrase"] == 1
    assert by_threshold[0.4]["wrong_guesses_caught"] == 0
    assert by_threshold[0.5]["wrong_guesses_caught"] == 1
    assert by_threshold[0.5]["wrong_guesses_in_all"] == 1


def test_a_new_language_is_held_to_a_first_releases_targets_and_has_no_floors_yet():
    figures = {
        "intent_macro_f1": 0.95,
        "warning_sign_f1": 0.85,
        "immediate_danger_recall": 1.0,
        "false_alarm_rate": 0.01,
    }
    judged = {figure: met for figure, _, _, _, met in evaluate.verdicts("blind_xx", figures)}
    assert judged == {
        "intent_macro_f1": True,
        "warning_sign_f1": False,
        "immediate_danger_recall": True,
        "false_alarm_rate": True,
    }
    assert evaluate.verdicts("blind_xx", figures, evaluate.FLOORS) == []
    assert evaluate.verdicts("blind_pl", figures) == evaluate.verdicts("blind_xx", figures)
