"""`rasa data validate --fail-on-warnings`, knowing which responses forms and actions say.

Rasa's validator warns about every response that no rule or story names. Two
kinds of response are used without ever being named there:

- a form's questions (``utter_ask_<slot>``), which the form says itself;
- a response a custom action in ``actions/`` sends (a receipt with its
  reference, "that doesn't look like a phone number").

This runs Rasa's own validation and fails on every warning it raises, exactly
as ``--fail-on-warnings`` would, except that one warning for those two kinds.
A response that nothing uses at all still fails the check. (One notice Rasa
raises for every domain with slots is not counted either; see ALWAYS_RAISED.)

Usage: python scripts/validate.py [--domain domain.yml] [--data data/nlu data/rules]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import warnings
from pathlib import Path
from typing import Iterable, List, Set

PROJECT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule\.")
RESPONSE_NAME = re.compile(r"^utter_\w+$")
# Rasa 3.6 raises this for every domain that has any slot (rasa/shared/core/
# slot_mappings.py, validate_slot_mappings); it says nothing about this data.
ALWAYS_RAISED = ("Slot auto-fill has been removed in 3.0",)


def responses_named_in_actions(action_files: Iterable[Path]) -> Set[str]:
    """Returns every ``utter_...`` string literal in the action modules."""
    names: Set[str] = set()
    for path in action_files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if RESPONSE_NAME.match(node.value):
                    names.add(node.value)
    return names


def form_questions(domain: dict) -> Set[str]:
    """Returns the question each form can ask: required slots and requested ones."""
    asked: Set[str] = set()
    for form, spec in (domain.get("forms") or {}).items():
        for slot in (spec or {}).get("required_slots") or []:
            asked |= {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
    # A slot a form asks for only sometimes (chosen by its validation action)
    # shows itself by a mapping that applies while it is the requested slot.
    for slot, spec in (domain.get("slots") or {}).items():
        for mapping in spec.get("mappings") or []:
            for condition in mapping.get("conditions") or []:
                if condition.get("active_loop") and condition.get("requested_slot") == slot:
                    asked.add(f"utter_ask_{slot}")
    return asked


def exempt_responses(domain_file: Path, action_files: Iterable[Path]) -> Set[str]:
    """Returns the responses that are used without a rule or story naming them."""
    from rasa.shared.utils.io import read_yaml_file

    return form_questions(read_yaml_file(domain_file)) | responses_named_in_actions(action_files)


def real_problems(caught: List[warnings.WarningMessage], exempt: Set[str]) -> List[str]:
    """Returns the warnings that fail the check: all but an exempt unused response."""
    problems = []
    for warning in caught:
        text = str(warning.message)
        if text.startswith(ALWAYS_RAISED):
            continue
        unused = UNUSED.search(text)
        if unused and unused.group(1) in exempt:
            continue
        problems.append(text.split("\n")[0])
    return problems


def main(argv: List[str] | None = None) -> int:
    """Validates the domain and data; returns 1 on any error or unexcused warning."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--domain", type=Path, default=PROJECT / "domain.yml")
    parser.add_argument("--config", type=Path, default=PROJECT / "config.yml")
    parser.add_argument(
        "--data", nargs="+", type=Path, default=[PROJECT / "data/nlu", PROJECT / "data/rules"]
    )
    parser.add_argument("--actions", type=Path, default=PROJECT / "actions")
    args = parser.parse_args(argv)

    from rasa.cli.utils import validate_files
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        config_path=str(args.config),
        domain_path=str(args.domain),
        training_data_paths=[str(path) for path in args.data],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Rasa's own checks; errors exit here. Warnings are judged below.
            validate_files(False, None, importer)
        except SystemExit as stop:
            return int(stop.code or 1)
    # Third-party deprecation notices are not about this project's data.
    ours = [w for w in caught if issubclass(w.category, UserWarning)]
    exempt = exempt_responses(args.domain, sorted(args.actions.glob("*.py")))
    problems = real_problems(ours, exempt)
    for problem in problems:
        print(f"validate: {problem}", file=sys.stderr)
    if problems:
        print(f"validate: {len(problems)} warning(s); the data is not ready.", file=sys.stderr)
        return 1
    print("validate: the domain, rules and examples are consistent.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
