"""The insight page: the daily counts as charts and tables, and what to do about each finding.

Written by ``make insight`` (``python -m bot.insight``) to
``results/insight.html``, and served to an officer's token at
``/staff/insight``. One self-contained file: the charts are PNG images inside
it (matplotlib, drawn here from the counts), so it opens anywhere, offline,
and every chart's figures are also in a table beside it for whoever cannot
see it. Every count under 5 is shown as "fewer than 5", in the tables and in
the charts alike.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Text, Tuple

import jinja2

from bot.insight import measures as c
from bot.insight.charts import chart, daily_chart
from bot.insight.daily import (
    FEWER_THAN_SMALLEST,
    SMALLEST_SHOWN,
    DailyCount,
    shown,
    today,
    totals,
)
from bot.insight.findings import findings
from bot.insight.measures import (
    FOUND_BY_WORDS,
    OUTCOME_WORDS,
    QUESTION_WORDS,
    SAFE_DEFAULT_WORDS,
    words,
)
from bot.understanding.phrases import load_warning_signs

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("page.html")
GUIDE = "docs/content-guide.md"


def content_security_policy(page: Text) -> Text:
    """Returns the policy a server sends with the page: its own style and images, nothing else.

    The page carries its style and its charts inside it (it must open as a
    file too), so the policy allows exactly that style, by its hash, and
    images written into the page; no script at all.
    """
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src 'sha256-{digest}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def intent_files(root: Path = PROJECT) -> Dict[Text, Text]:
    """Returns the training-data file that holds each intent's examples."""
    found = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        for match in re.finditer(r"^- intent: *(\S+)", path.read_text(), re.MULTILINE):
            found.setdefault(match.group(1), str(path.relative_to(root)))
    return found


def sign_labels(root: Path = PROJECT) -> Dict[Text, Text]:
    return {
        sign: entry["label"]
        for sign, entry in load_warning_signs(root / "data" / "warning_signs.yml").items()
    }


def rows(by_key: Counter, labels: Dict[Text, Text], order: Sequence[Text] = ()) -> List[Tuple]:
    """Returns (label, shown count) rows: in ``order`` if given, else most first."""
    keys = list(order) or [key for key, _ in by_key.most_common()]
    return [(labels.get(key, words(key)), shown(by_key.get(key, 0))) for key in keys]


def render(
    counts: Iterable[DailyCount],
    *,
    made_on: Optional[dt.date] = None,
    links: bool = True,
    root: Path = PROJECT,
) -> Text:
    """Returns the whole insight page for the daily counts given."""
    counts = list(counts)
    summed = totals(counts)
    files = intent_files(root)
    started_by_day: Counter = Counter()
    for count in counts:
        if count.measure == c.CONVERSATIONS and count.key == "started":
            started_by_day[count.day] += count.count
    days = sorted(started_by_day)
    if days:
        every_day = [days[0] + dt.timedelta(days=n) for n in range((days[-1] - days[0]).days + 1)]
    else:
        every_day = []

    def measure(name: Text) -> Counter:
        return summed.get(name, Counter())

    ended = measure(c.ENDED)
    reached = measure(c.QUESTION_REACHED)
    signs = measure(c.SIGN)
    labels = sign_labels(root)
    meant = measure(c.REPHRASE_MEANT)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template(TEMPLATE.name).render(
        made_on=(made_on or today()).strftime("%d %B %Y"),
        first_day=days[0].strftime("%d %B %Y") if days else None,
        last_day=days[-1].strftime("%d %B %Y") if days else None,
        smallest=SMALLEST_SHOWN,
        fewer=FEWER_THAN_SMALLEST,
        links=links,
        guide=GUIDE,
        nothing_yet=not counts,
        started=shown(measure(c.CONVERSATIONS).get("started", 0)),
        daily=daily_chart(every_day, [started_by_day.get(day, 0) for day in every_day]),
        daily_rows=[
            (day.strftime("%d %B %Y"), shown(started_by_day.get(day, 0))) for day in every_day
        ],
        ended=rows(ended, OUTCOME_WORDS, c.OUTCOMES),
        ended_chart=chart(
            "How conversations ended",
            [OUTCOME_WORDS[key] for key in c.OUTCOMES],
            [ended.get(key, 0) for key in c.OUTCOMES],
        ),
        funnel=[
            (
                QUESTION_WORDS.get(question, words(question)),
                shown(reached.get(question, 0)),
                shown(measure(c.STOPPED_AT).get(question, 0)),
            )
            for question in c.report_questions()
        ],
        funnel_chart=chart(
            "The report: how many reached each question",
            [QUESTION_WORDS.get(question, words(question)) for question in c.report_questions()],
            [reached.get(question, 0) for question in c.report_questions()],
        ),
        danger=rows(measure(c.DANGER_ANSWER), FOUND_BY_WORDS),
        meant=[
            (words(intent), shown(count), files.get(intent, "data/nlu/"))
            for intent, count in meant.most_common()
        ],
        typed=rows(measure(c.TYPED_NOT_UNDERSTOOD), {}),
        signs=rows(signs, labels),
        signs_chart=chart(
            "Warning signs described (conversations)",
            [labels.get(key, words(key)) for key, _ in signs.most_common()],
            [count for _, count in signs.most_common()],
        ),
        signs_per=rows(measure(c.SIGNS_PER_CONVERSATION), {}, ("0", "1", "2", "3 or more")),
        relationships=rows(measure(c.RELATIONSHIP), {}),
        languages=rows(measure(c.OTHER_LANGUAGE), {"und": "another script, not identified"}),
        safe_defaults=rows(measure(c.SAFE_DEFAULT), SAFE_DEFAULT_WORDS),
        markers=rows(measure(c.MARKER), {}),
        findings=findings(summed, files),
    )
