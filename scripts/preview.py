"""`make preview`: every test story as a chat transcript, with the real messages and buttons.

For the comms team to read what people will see without running the
assistant. Writes ``preview.html`` (in the chat widget's own look) and
``preview.txt`` into the output folder (``results/`` by default).

Messages come from ``domain.yml`` exactly as written: the first variation
whose conditions hold, with ``{placeholders}`` filled from the story's slots
or, for values only known in a real conversation (a reference number), from
clearly made-up samples. Like the REST channel, a blank line starts a new
chat bubble.

Usage: python scripts/preview.py [--out results] [--stories tests/stories]
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from actions.content import describe_signs, support_services_text
from bot.settings import Settings
from bot.web.messages import payload_as_sent

PROJECT = Path(__file__).resolve().parent.parent
MARKUP = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Only known in a real conversation: shown as obvious samples.
SAMPLES = {
    "reference": "CON-ABCD-EFGH (sample)",
    "follow_up_phrase": "otter-maple-river-42 (sample)",
    "report_summary": "- (the person's answers, one per line)",
}
# What the project's custom actions say, for the preview (see actions/).
ACTION_SAYS = {
    "action_submit_concern": "utter_concern_received",
    "action_add_information": "utter_information_added",
}
FORMS = {"concern_form", "follow_up_form", "addition_form"}


@dataclass
class Turn:
    """One chat bubble: who says it, the words, and any buttons."""

    speaker: str
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    note: bool = False


def matches(variation: Dict[str, Any], slots: Dict[str, Any]) -> bool:
    return all(
        slots.get(condition.get("name")) == condition.get("value")
        for condition in variation.get("condition") or []
        if condition.get("type") == "slot"
    )


def fill(text: str, slots: Dict[str, Any]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        found = slots.get(name)
        return str(found) if found is not None else SAMPLES.get(name, match.group(0))

    return PLACEHOLDER.sub(value, text)


def response_turns(domain: Dict[str, Any], name: str, slots: Dict[str, Any]) -> List[Turn]:
    """Returns the bubbles a response makes, as the REST channel would send them."""
    variations = domain["responses"].get(name) or []
    chosen = next((v for v in variations if v.get("condition") and matches(v, slots)), None)
    chosen = chosen or next((v for v in variations if not v.get("condition")), None)
    if chosen is None:
        return [Turn("bot", f"({name} has no text)", note=True)]
    paragraphs = [p.strip() for p in fill(chosen.get("text", ""), slots).split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    turns = [Turn("bot", paragraph) for paragraph in paragraphs]
    if turns:
        turns[-1].buttons = [
            {**button, "payload": payload_as_sent(str(button.get("payload", "")))}
            for button in chosen.get("buttons") or []
        ]
    return turns


def story_turns(domain: Dict[str, Any], steps: List[Dict[str, Any]]) -> List[Turn]:
    """Returns the transcript of one story."""
    turns: List[Turn] = []
    slots: Dict[str, Any] = {"retention_period": f"{Settings.from_env().retention_days} days"}
    for step in steps:
        if "user" in step:
            text = MARKUP.sub(r"\1", str(step["user"]).strip())
            pressed = next(
                (
                    button["title"]
                    for turn in reversed(turns)
                    for button in turn.buttons
                    if button.get("payload") == text
                ),
                None,
            )
            turns.append(Turn("user", pressed or text))
        elif "intent" in step:
            turns.append(Turn("user", f"(types an answer: {step['intent']})", note=True))
        elif "slot_was_set" in step:
            for change in step["slot_was_set"]:
                for name, value in change.items() if isinstance(change, dict) else []:
                    if name == "warning_signs":
                        before = slots.get("warning_signs") or []
                        new = [sign for sign in value or [] if sign not in before]
                        slots["new_signs"] = describe_signs(new) or None
                        slots["signs_so_far"] = describe_signs(value or []) or None
                    slots[name] = value
                    if name == "requested_slot" and value:
                        turns += response_turns(domain, f"utter_ask_{value}", slots)
        elif "action" in step:
            action = step["action"]
            if action.startswith("utter_"):
                turns += response_turns(domain, action, slots)
            elif action in ACTION_SAYS:
                turns += response_turns(domain, ACTION_SAYS[action], slots)
            elif action == "action_list_support_services":
                slots["support_services"] = support_services_text()
    return turns


def load_stories(folder: Path) -> List[Dict[str, Any]]:
    stories = []
    for path in sorted(folder.glob("*.yml")):
        stories += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or []
    return stories


def as_text(stories: List[Dict[str, Any]], transcripts: List[List[Turn]]) -> str:
    lines: List[str] = []
    for story, turns in zip(stories, transcripts, strict=True):
        lines += [f"=== {story['story']} ===", ""]
        for turn in turns:
            who = "Assistant" if turn.speaker == "bot" else "Person"
            lines.append(f"{who}: {turn.text}")
            if turn.buttons:
                lines.append("    " + "  ".join(f"[{b['title']}]" for b in turn.buttons))
        lines.append("")
    return "\n".join(lines)


def as_html(stories: List[Dict[str, Any]], transcripts: List[List[Turn]], css: str) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        "<title>Conversation preview</title>",
        f"<style>{css}\n{PREVIEW_CSS}</style></head><body>",
        "<h1>Conversation preview</h1>",
        "<p>Every test story, as people will see it in the chat widget. "
        "Made by <code>make preview</code> from domain.yml and tests/stories/.</p>",
    ]
    for story, turns in zip(stories, transcripts, strict=True):
        parts.append('<section class="preview-story">')
        parts.append(f"<h2>{html.escape(story['story'])}</h2>")
        parts.append('<div class="wc-panel preview-panel"><div class="wc-log">')
        for turn in turns:
            classes = "wc-msg wc-" + turn.speaker + (" preview-note" if turn.note else "")
            parts.append(f'<div class="{classes}"><p>{html.escape(turn.text)}</p>')
            if turn.buttons:
                parts.append('<div class="wc-choices">')
                parts += [
                    f'<button type="button" class="wc-choice">{html.escape(b["title"])}</button>'
                    for b in turn.buttons
                ]
                parts.append("</div>")
            parts.append("</div>")
        parts.append("</div></div></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


PREVIEW_CSS = """
body { font-family: system-ui, sans-serif; margin: 1rem; color: #1a1a1a; }
.preview-story { margin-bottom: 2rem; }
.preview-panel { position: static; height: auto; max-height: none; }
.wc-msg p { white-space: pre-line; }
.preview-note { font-style: italic; opacity: 0.85; }
"""


def main(argv: Optional[List[str]] = None) -> int:
    """Writes preview.html and preview.txt; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT / "results")
    parser.add_argument("--stories", type=Path, default=PROJECT / "tests" / "stories")
    parser.add_argument("--domain", type=Path, default=PROJECT / "domain.yml")
    args = parser.parse_args(argv)
    domain = yaml.safe_load(args.domain.read_text(encoding="utf-8"))
    stories = load_stories(args.stories)
    transcripts = [story_turns(domain, story.get("steps") or []) for story in stories]
    css = (PROJECT / "bot" / "web" / "static" / "widget" / "widget.css").read_text()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "preview.html").write_text(as_html(stories, transcripts, css), encoding="utf-8")
    (args.out / "preview.txt").write_text(as_text(stories, transcripts), encoding="utf-8")
    print(f"preview: {len(stories)} conversations written to {args.out}/preview.html and .txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
