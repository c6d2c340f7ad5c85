"""What a message is sent to Rasa as (typed button titles, slash commands), and what comes back.

The assistant's buttons are read from ``domain.yml``: their payloads are the
only "/intent" messages passed through, and their titles, typed, count as a
press.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

from bot.understanding.phrases import read_yaml


def payload_as_sent(payload: str) -> str:
    """Returns a button's payload as Rasa sends it: '/inform{{...}}' as '/inform{...}'.

    Rasa fills {placeholders} in every part of a response, buttons included,
    and logs an ERROR with a traceback for each brace it cannot fill. So a
    payload's own braces are written twice in domain.yml (Rasa's escape, checked
    by `make check`), and Rasa sends them once.
    """
    return payload.replace("{{", "{").replace("}}", "}")


def buttons_in(domain_file: Path) -> List[Tuple[str, str, str]]:
    """Returns (response, title, payload as sent) for every button in the domain."""
    responses = (read_yaml(domain_file) or {}).get("responses") or {}
    return [
        (name, str(button.get("title", "")), payload_as_sent(button["payload"]))
        for name, variations in responses.items()
        for variation in variations or []
        for button in variation.get("buttons") or []
        if isinstance(button.get("payload"), str)
    ]


def button_payloads(domain_file: Path) -> FrozenSet[str]:
    """Returns every payload the assistant's buttons can send."""
    return frozenset(payload for _, _, payload in buttons_in(domain_file))


def as_typed(text: str) -> str:
    """Returns text as compared with button titles: "No, I'll call 101!" -> "no ill call 101"."""
    text = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def button_titles(domain_file: Path) -> Dict[str, str]:
    """Returns each button title, as typed, with the payload pressing it sends.

    People using a screen reader, or who simply type, write "Not right now"
    rather than press it; they must get the same answer. A title that two
    buttons with different payloads share would need the conversation's state
    to resolve, so it is left out (tests/web/test_typed_buttons.py requires
    there to be none).
    """
    titles: Dict[str, Set[str]] = {}
    for _, title, payload in buttons_in(domain_file):
        titles.setdefault(as_typed(title), set()).add(payload)
    return {title: next(iter(p)) for title, p in titles.items() if title and len(p) == 1}


def safe_message(
    text: str, payloads: FrozenSet[str], titles: Optional[Dict[str, str]] = None
) -> str:
    """Returns the text to send to Rasa.

    A typed button title is sent as that button's payload. A typed "/command"
    is sent as plain words: Rasa reads "/name" as an intent, and "/restart" or
    "/session_start" would silently reset the conversation. Only the payloads
    our own buttons send keep their slash.
    """
    text = text.strip()
    if titles and as_typed(text) in titles:
        return titles[as_typed(text)]
    if text.startswith("/") and text not in payloads:
        return text.lstrip("/").strip() or "?"
    return text


def as_replies(rasa_replies: Any) -> List[Dict[str, Any]]:
    """Returns Rasa's REST replies reduced to text and buttons, the documented shape."""
    replies = []
    for reply in rasa_replies if isinstance(rasa_replies, list) else []:
        if not isinstance(reply, dict) or not isinstance(reply.get("text"), str):
            continue
        buttons = [
            {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
            for button in reply.get("buttons") or []
            if isinstance(button, dict)
        ]
        replies.append({"text": reply["text"], "buttons": buttons})
    return replies
