"""Score the assistant's understanding on the held-out set and hold it to its targets.

Runs Rasa's own NLU evaluation (reports, confusion matrix and confidence
histogram in the output directory), then measures what Rasa does not: the
F1 of ``warning_sign`` values (the canonical ids, not the token labels) and
the recall of ``immediate_danger``. Exits 1 if any figure is under target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

from rasa.core.agent import Agent
from rasa.nlu.test import run_evaluation
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog
from sklearn.metrics import f1_score

# The targets of issue 2: understanding must not be traded away for speed.
TARGETS = {"intent_macro_f1": 0.92, "warning_sign_f1": 0.90, "immediate_danger_recall": 1.0}
DANGER = "immediate_danger"
FALLBACK = "nlu_fallback"
SWEEP_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


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


async def evaluate(model: Path, holdout: Path, out: Path) -> Dict[str, float]:
    """Returns the figures, writing Rasa's reports and plots to ``out``."""
    agent = Agent.load(str(model))
    out.mkdir(parents=True, exist_ok=True)
    await run_evaluation(str(holdout), agent.processor, output_directory=str(out), errors=True)

    examples = load_data(str(holdout)).intent_examples
    gold_intents: List[str] = []
    predicted_intents: List[str] = []
    sign_pairs = []
    misses = []
    sweep_rows = []
    for example in examples:
        text = example.get("text")
        parse = await agent.parse_message(text)
        gold = example.get("intent")
        predicted = parse["intent"]["name"]
        gold_intents.append(gold)
        predicted_intents.append(predicted)
        sweep_rows.append((gold, *top_real_intent(parse), predicted))
        gold_signs = sign_values(example.get("entities") or [])
        predicted_signs = sign_values(parse.get("entities", []))
        sign_pairs.append((gold_signs, predicted_signs))
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
    sign_f1, sign_counts = value_f1(sign_pairs)
    dangers = [p for g, p in zip(gold_intents, predicted_intents, strict=True) if g == DANGER]
    danger_recall = sum(p == DANGER for p in dangers) / len(dangers)

    figures = {
        "messages": len(examples),
        "intent_macro_f1": round(float(intent_f1), 4),
        "warning_sign_f1": round(sign_f1, 4),
        "warning_sign_counts": dict(sign_counts),
        "immediate_danger_recall": round(danger_recall, 4),
        "immediate_danger_messages": len(dangers),
        "fallback_sweep": fallback_sweep(sweep_rows),
    }
    (out / "figures.json").write_text(json.dumps(figures, indent=2))
    (out / "misses.json").write_text(json.dumps(misses, indent=2))
    return figures


def fallback_sweep(rows: Sequence[Tuple[str, str, float, str]]) -> List[dict]:
    """Returns, per threshold, how many right and wrong guesses would fall back.

    Used to choose the FallbackClassifier threshold: it should catch wrong
    guesses while sending as few right answers as possible to "please rephrase".
    Danger is left out: the safety net overrides the fallback.
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


def main(argv: Sequence[str] = None) -> int:
    """Prints the figures and returns 1 if any is under its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--holdout", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    # Rasa logs each parsed message's text at debug level: keep it out.
    configure_structlog(logging.WARNING)
    figures = asyncio.run(evaluate(args.model, args.holdout, args.out))

    print(f"\nHeld-out set: {figures['messages']} messages ({args.holdout})")
    print("FallbackClassifier threshold sweep (all held-out messages):")
    for row in figures["fallback_sweep"]:
        print(
            f"  {row['threshold']:.1f}: {row['right_answers_sent_to_rephrase']} right answers "
            f"sent to rephrase, {row['wrong_guesses_caught']} of "
            f"{row['wrong_guesses_in_all']} wrong guesses caught"
        )
    failed = False
    for name, target in TARGETS.items():
        verdict = "ok" if figures[name] >= target else "UNDER TARGET"
        failed = failed or figures[name] < target
        print(f"  {name:<26} {figures[name]:.4f}  (target {target:.2f})  {verdict}")
    print(f"Reports, plots and misses: {args.out}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
