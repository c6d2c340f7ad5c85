"""The safety rules for what the assistant says: verified numbers, and where 999 and 101 go.

One place for both the content check (``scripts/check_content.py``, run by
`make check`) and the tests. Changing these lists is a safety decision, not a
wording change: the comms team's guide (docs/content-guide.md) says so.
"""

from __future__ import annotations

import re

VERIFIED_NUMBERS = {
    "999",
    "101",
    "18000",
    "18001 101",
    "55",
    "0808 2000 247",
    "0808 802 0300",
    "0808 168 9111",
}
# Digits, optionally grouped by single spaces: "0808 802 0300", "101".
NUMBER = re.compile(r"(?<![\w-])\+?\d+(?: \d+)*(?![\w-])")
# Whoever may be in danger now hears 999 first: these must give 999.
DANGER_PATH = (
    "utter_opening",
    "utter_immediate_danger",
    "utter_self_victim",
    "utter_advice",
    "utter_how_to_report",
    "utter_confidentiality",
    "utter_what_happens_next",
    "utter_no_pressure",
    "utter_please_rephrase",
    "utter_i_am_a_bot",
    "utter_out_of_scope",
    "utter_goodbye",
    "utter_report_stopped",
    "utter_concern_received",
    "utter_concern_not_stored",
    "utter_nothing_to_send",
    "utter_follow_up_refused",
    "utter_follow_up_unavailable",
    "utter_information_added",
)
# Where the assistant advises or ends a path, the way to reach us is 101.
ADVICE_PATH = tuple(
    name for name in DANGER_PATH if name not in {"utter_opening", "utter_immediate_danger"}
)
# The chat widget's own words (English in bot/web/static/widget/widget.js),
# which every other language translates in data/<code>/widget.yml, each with
# the numbers it must give. "safe_default" is the web service's answer when
# that language's assistant cannot answer.
WIDGET_WORDS = {
    "launcher": (),
    "title": (),
    "language": (),
    "notice": ("999",),
    "message": (),
    "send": (),
    "clear": (),
    "close": (),
    "close_label": (),
    "leave": (),
    "leave_title": (),
    "typing": (),
    "you": (),
    "assistant": (),
    "unreachable": ("999", "101"),
    "safe_default": ("999", "101"),
}
