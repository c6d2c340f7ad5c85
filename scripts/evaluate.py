"""Score the assistant's understanding on the held-out sets and hold it to its targets.

Two sets, never trained on:

* ``tests/nlu_holdout.yml``, written by the same hand as the training data. It
  flatters the model, so it is a regression check only.
* ``tests/nlu_blind.yml``, written from ``docs/meanings.md`` alone by someone
  who never saw ``data/``. Its figures are the ones the project reports.

``--language pl`` scores the Polish assistant on ``tests/nlu_blind_pl.yml``,
written the same way, against the Polish targets and floors (``blind_pl``).

For each set: intent macro-F1; the F1 of ``warning_sign`` values (canonical
ids, per message); ``immediate_danger`` recall; false alarms (the share of
other messages that got ``immediate_danger``, so the 999-first answer), and
how many of those were everyday police matters or shouting heard before,
which must be none. Figures and misses go to the output directory;
``--cross-validate`` adds k-fold cross-validation on the training data.

Each figure has the issue's target, printed with "ok" or "OFF TARGET", and a
floor: what the model reached when the figure was last improved. Exits 1 if
a figure falls below its floor, so understanding never gets worse unnoticed;
``--report-only`` prints without judging, for scoring a previous commit's
model (``make previous``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.log_utils import configure_structlog
from sklearn.metrics import f1_score

DANGER = "immediate_danger"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
PAST_SHOUTING = "shouting"
SWEEP_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# The targets of issue 10 on messages written by someone who never saw the
# training data; the holdout keeps the targets of issue 2. They are printed;
# the floors below are what `make test` enforces.
TARGETS = {
    "blind": {
        "intent_macro_f1": (">=", 0.95),
        "warning_sign_f1": (">=", 0.92),
        "immediate_danger_recall": (">=", 1.0),
        "false_alarm_rate": ("<=", 0.02),
        "false_alarms_police_matters_or_past_shouting": ("<=", 0),
    },
    "holdout": {
        "intent_macro_f1": (">=", 0.92),
        "warning_sign_f1": (">=", 0.90),
        "immediate_danger_recall": (">=", 1.0),
    },
    # Another language's first release (issue 15), on its blind set
    # (tests/nlu_blind_<code>.yml), written from the meanings alone.
    "first_release": {
        "intent_macro_f1": (">=", 0.92),
        "warning_sign_f1": (">=", 0.90),
        "immediate_danger_recall": (">=", 1.0),
        "false_alarm_rate": ("<=", 0.02),
    },
}
TARGETS["blind_pl"] = TARGETS["first_release"]
# What the model reached on the blind set when these were last raised
# (closing note of issue 10). `make test` fails below them; raise them when
# a change improves a figure, never lower them to let a change through.
FLOORS = {
    "blind": {
        "intent_macro_f1": (">=", 0.967),
        "warning_sign_f1": (">=", 0.931),
        "immediate_danger_recall": (">=", 1.0),
        "false_alarm_rate": ("<=", 0.0044),
        "false_alarms_police_matters_or_past_shouting": ("<=", 0),
    },
    "holdout": TARGETS["holdout"],
    # The Polish model with its phrase files, lemmas and danger parts (issue
    # 15's closing note): at its targets but for one danger message of 68.
    "blind_pl": {
        "intent_macro_f1": (">=", 0.932),
        "warning_sign_f1": (">=", 0.916),
        "immediate_danger_recall": (">=", 0.985),
        "false_alarm_rate": ("<=", 0.0081),
        "false_alarms_police_matters_or_past_shouting": ("<=", 2),
    },
}
REPORTED = (
    "intent_macro_f1",
    "warning_sign_f1",
    "immediate_danger_recall",
    "false_alarm_rate",
    "false_alarms_police_matters_or_past_shouting",
)


def sign_values(entities: Sequence[dict]) -> Set[str]:
    """Returns the set of warning-sign values among entities."""
    return {e["value"] for e in entities if e.get("entity") == "warning_sign"}


def value_f1(pairs: Sequence[Tuple[Set[str], Set[str]]]) -> Tuple[float, Counter]:
    """Returns micro F1 over (message, value) pairs, and the counts behind it."""
    counts: Counter = Counter()
    for gold, predicted in pairs:
        counts["tp"] += len(gold & predicted)
        counts["fp"] += len(predicted - gold)
        counts["fn"] += len(gold - predicted)
    denominator = 2 * counts["tp"] + counts["fp"] + counts["fn"]
    return (2 * counts["tp"] / denominator if denominator else 1.0), counts


def top_real_intent(parse: dict) -> Tuple[str, float]:
    """Returns the best intent that is not the fallback, with its confidence."""
    for intent in parse.get("intent_ranking", []):
        if intent["name"] != FALLBACK:
            return intent["name"], intent["confidence"]
    return FALLBACK, 0.0


async def score(agent: Agent, data: TrainingData) -> Tuple[Dict, List[dict]]:
    """Returns the figures for one set of examples, and the misses."""
    gold_intents: List[str] = []
    predicted_intents: List[str] = []
    sign_pairs = []
    misses = []
    sweep_rows = []
    alarm_kinds: Counter = Counter()
    for example in data.intent_examples:
        text = example.get("text")
        parse = await agent.parse_message(text)
        gold = example.get("intent")
        predicted = parse["intent"]["name"]
        gold_intents.append(gold)
        predicted_intents.append(predicted)
        sweep_rows.append((gold, *top_real_intent(parse), predicted))
        gold_signs = sign_values(example.get("entities") or [])
        predicted_signs = sign_values(parse.get("entities", []))
        # Danger drops "shouting" on purpose: screaming now is the danger.
        if predicted == DANGER:
            gold_signs = gold_signs - {PAST_SHOUTING}
        sign_pairs.append((gold_signs, predicted_signs))
        if gold != DANGER and predicted == DANGER:
            police_matter = gold == OUT_OF_SCOPE
            past_shouting = PAST_SHOUTING in sign_values(example.get("entities") or [])
            alarm_kinds["police_matters_or_past_shouting"] += police_matter or past_shouting
        if gold != predicted or gold_signs != predicted_signs:
            misses.append(
                {
                    "text": text,
                    "intent": gold,
                    "predicted": predicted,
                    "signs": sorted(gold_signs),
                    "predicted_signs": sorted(predicted_signs),
                }
            )

    labels = sorted(set(gold_intents))
    intent_f1 = f1_score(gold_intents, predicted_intents, labels=labels, average="macro")
    per_intent = f1_score(gold_intents, predicted_intents, labels=labels, average=None)
    sign_f1, sign_counts = value_f1(sign_pairs)
    pairs = list(zip(gold_intents, predicted_intents, strict=True))
    dangers = [p for g, p in pairs if g == DANGER]
    others = [p for g, p in pairs if g != DANGER]
    figures = {
        "messages": len(gold_intents),
        "intent_macro_f1": round(float(intent_f1), 4),
        "intent_f1": {
            label: round(float(f), 4) for label, f in zip(labels, per_intent, strict=True)
        },
        "warning_sign_f1": round(sign_f1, 4),
        "warning_sign_counts": dict(sign_counts),
        "immediate_danger_recall": round(sum(p == DANGER for p in dangers) / len(dangers), 4)
        if dangers
        else 1.0,
        "immediate_danger_messages": len(dangers),
        "immediate_danger_missed": sum(p != DANGER for p in dangers),
        "false_alarm_rate": round(sum(p == DANGER for p in others) / len(others), 4)
        if others
        else 0.0,
        "false_alarms": sum(p == DANGER for p in others),
        "other_messages": len(others),
        "false_alarms_police_matters_or_past_shouting": alarm_kinds[
            "police_matters_or_past_shouting"
        ],
        "fallback_sweep": fallback_sweep(sweep_rows),
    }
    return figures, misses


def fallback_sweep(rows: Sequence[Tuple[str, str, float, str]]) -> List[dict]:
    """Returns, per threshold, how many right and wrong guesses would fall back.

    Used to choose the FallbackClassifier threshold: it should catch wrong
    guesses while sending as few right answers as possible to "please rephrase".
    """
    table = []
    for threshold in SWEEP_THRESHOLDS:
        right = sum(1 for gold, best, conf, _ in rows if conf < threshold and best == gold)
        wrong = sum(1 for gold, best, conf, _ in rows if conf < threshold and best != gold)
        wrong_total = sum(1 for gold, best, _, _ in rows if best != gold)
        table.append(
            {
                "threshold": threshold,
                "right_answers_sent_to_rephrase": right,
                "wrong_guesses_caught": wrong,
                "wrong_guesses_in_all": wrong_total,
            }
        )
    return table


def verdicts(
    name: str, figures: Dict, bounds: Dict = TARGETS
) -> List[Tuple[str, float, str, float, bool]]:
    """Returns (figure, value, comparison, bound, met) for each bound of the set."""
    rows = []
    if name not in bounds and bounds is TARGETS and name.startswith("blind_"):
        name = "first_release"  # a new language is held to a first release's targets
    for figure, (comparison, target) in bounds.get(name, {}).items():
        value = figures[figure]
        met = value >= target if comparison == ">=" else value <= target
        rows.append((figure, value, comparison, target, met))
    return rows


async def cross_validate(config: Path, domain: Path, data_dirs: Sequence[Path], folds: int) -> Dict:
    """Returns the mean figures of k-fold cross-validation on the training data."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.utils.io import write_text_file

    data = TrainingData().merge(*[load_data(str(d)) for d in data_dirs])
    totals: Counter = Counter()
    for fold, (train, test) in enumerate(_folds(data, folds)):
        with tempfile.TemporaryDirectory() as directory:
            train_file = Path(directory) / "train.yml"
            write_text_file(RasaYAMLWriter().dumps(train), train_file)
            model = train_nlu(
                str(config), str(train_file), directory, domain=str(domain), fixed_model_name="cv"
            )
            figures, _ = await score(Agent.load(model), test)
        for name in REPORTED:
            totals[name] += figures[name]
        print(f"  fold {fold + 1}/{folds}: " + ", ".join(f"{n} {figures[n]}" for n in REPORTED))
    return {name: round(totals[name] / folds, 4) for name in REPORTED}


def _folds(data: TrainingData, folds: int):
    """Yields (train, test) splits, each intent spread evenly over the folds."""
    from sklearn.model_selection import StratifiedKFold

    examples = [e for e in data.intent_examples if e.get("text")]
    intents = [e.get("intent") for e in examples]
    splitter = StratifiedKFold(folds, shuffle=True, random_state=2026)
    for train_index, test_index in splitter.split(examples, intents):
        yield (
            TrainingData([examples[i] for i in train_index]),
            TrainingData([examples[i] for i in test_index]),
        )


async def evaluate_all(model: Path, sets: Dict[str, Path], out: Path) -> Dict[str, Dict]:
    """Returns figures per set, writing figures and misses to ``out``."""
    agent = Agent.load(str(model))
    results = {}
    for name, data_file in sets.items():
        figures, misses = await score(agent, load_data(str(data_file)))
        results[name] = figures
        (out / f"{name}_figures.json").write_text(json.dumps(figures, indent=2))
        (out / f"{name}_misses.json").write_text(json.dumps(misses, indent=2))
    return results


def main(argv: Sequence[str] = None) -> int:
    """Prints the figures and returns 1 if any is below its floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--holdout", type=Path, help="required for English")
    parser.add_argument("--blind", type=Path, required=True)
    parser.add_argument("--language", default="en", help="whose targets and floors (en, pl)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--report-only", action="store_true", help="print, judge nothing")
    parser.add_argument("--cross-validate", type=int, metavar="K", help="also K-fold on data/")
    args = parser.parse_args(argv)
    # Rasa logs each parsed message's text at debug level: keep it out.
    configure_structlog(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.language == "en":
        if args.holdout is None:
            parser.error("--holdout is required for English")
        sets = {"blind": args.blind, "holdout": args.holdout}
    else:
        # Another language has its blind set only: no hand wrote it a held-out set.
        sets = {f"blind_{args.language}": args.blind}
    results = asyncio.run(evaluate_all(args.model, sets, args.out))

    below_floor = False
    for name, figures in results.items():
        print(f"\n{name} set: {figures['messages']} messages ({sets[name]})")
        for figure in REPORTED:
            print(f"  {figure:<46} {figures[figure]}")
        print(
            f"  danger missed {figures['immediate_danger_missed']} of "
            f"{figures['immediate_danger_messages']}; false alarms "
            f"{figures['false_alarms']} of {figures['other_messages']}"
        )
        if args.report_only:
            continue
        for figure, _value, comparison, target, met in verdicts(name, figures):
            print(f"  target {figure} {comparison} {target}: {'ok' if met else 'OFF TARGET'}")
        if name not in FLOORS:
            print(f"  no floors yet for {name}: record today's figures in FLOORS")
        for figure, value, comparison, floor, met in verdicts(name, figures, FLOORS):
            below_floor = below_floor or not met
            if not met:
                print(f"  BELOW FLOOR {figure}: {value} (floor {comparison} {floor})")
    if args.cross_validate:
        print(f"\n{args.cross_validate}-fold cross-validation on the training data:")
        means = asyncio.run(
            cross_validate(
                Path("config.yml"), Path("domain.yml"), [Path("data/nlu")], args.cross_validate
            )
        )
        for figure, value in means.items():
            print(f"  mean {figure:<41} {value}")
    (args.out / "figures.json").write_text(json.dumps(results, indent=2))
    print(f"\nFigures and misses: {args.out}/")
    return 1 if below_floor else 0


if __name__ == "__main__":
    sys.exit(main())
