"""The daily counts: a table of its own beside Rasa's, counts by day and nothing else.

A row is (day, measure, key, count), the day in UTC. There is no conversation id, no
reference, no text and no time finer than the day, so the table can be kept
two years (``KEEP_DAYS``) where the conversations it was counted from are kept
24 hours. It lives in the conversations database, so folding a conversation
in and deleting it are one transaction: a purge that fails counts nothing
twice and loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Text

import sqlalchemy as sa

logger = logging.getLogger(__name__)

# Two years: long enough to see a season come round twice.
KEEP_DAYS = 730
# Below this, a count is shown as "fewer than 5": nobody can be picked out of
# a small number (the Office for National Statistics' usual threshold).
SMALLEST_SHOWN = 5
FEWER_THAN_SMALLEST = f"fewer than {SMALLEST_SHOWN}"
# The insight page and the staff API show the last 13 weeks.
SHOWN_DAYS = 91
# How often a count is tried before it is given up (count_now).
COUNT_TRIES = 4

_metadata = sa.MetaData()
DAILY_COUNTS = sa.Table(
    "insight_daily_counts",
    _metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("measure", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class DailyCount:
    day: dt.date
    measure: Text
    key: Text
    count: int


def shown(count: int) -> Any:
    """Returns a count as it may be shown: the number, or "fewer than 5"."""
    return count if count >= SMALLEST_SHOWN else FEWER_THAN_SMALLEST


def ensure_table(connection: Any) -> None:
    DAILY_COUNTS.create(connection, checkfirst=True)


def add_counts(connection: Any, day: dt.date, counts: Counter) -> None:
    """Adds counts to a day's rows, creating the rows the day does not have yet."""
    for (measure, key), count in sorted(counts.items()):
        if count <= 0:
            continue
        measure, key = str(measure)[:64], str(key)[:128]
        same = (
            (DAILY_COUNTS.c.day == day)
            & (DAILY_COUNTS.c.measure == measure)
            & (DAILY_COUNTS.c.key == key)
        )
        updated = connection.execute(
            DAILY_COUNTS.update().where(same).values(count=DAILY_COUNTS.c.count + count)
        )
        if updated.rowcount == 0:
            connection.execute(
                DAILY_COUNTS.insert().values(day=day, measure=measure, key=key, count=count)
            )


def expire_counts(connection: Any, *, keep_days: int = KEEP_DAYS) -> int:
    """Deletes the counts of days older than ``keep_days``; returns how many rows."""
    ensure_table(connection)
    oldest = today() - dt.timedelta(days=keep_days)
    return connection.execute(DAILY_COUNTS.delete().where(DAILY_COUNTS.c.day < oldest)).rowcount


def count_now(engine: sa.engine.Engine, measure: Text, key: Text) -> None:
    """Adds one to today's count of something (the web service's safe answers).

    The web service calls this when Rasa could not answer; the database may
    be down too, so a failure is logged (without the key's detail) and
    swallowed: the person has their answer either way. Two answers at once
    may both find today's row or the table missing and race to make it; the
    one that loses tries again and then adds to what the other made.
    """
    day = today()
    for attempt in range(COUNT_TRIES):
        try:
            with engine.begin() as connection:
                ensure_table(connection)
                add_counts(connection, day, Counter({(measure, key): 1}))
            return
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as error:
            failure = error
            time.sleep(0.05 * (attempt + 1))
        except sa.exc.SQLAlchemyError as error:
            failure = error
            break
    logger.warning("insight: a count could not be kept (%s)", type(failure).__name__)


def today() -> dt.date:
    """Returns today as the counts name days: in UTC."""
    return dt.datetime.now(dt.timezone.utc).date()


def first_day_shown(days: int = SHOWN_DAYS) -> dt.date:
    """Returns the first day of the last ``days`` days, today included."""
    return today() - dt.timedelta(days=max(days, 1) - 1)


def read_counts(engine: sa.engine.Engine, *, since: Optional[dt.date] = None) -> List[DailyCount]:
    """Returns every daily count from ``since`` on (all of them if None), oldest first."""
    if not sa.inspect(engine).has_table(DAILY_COUNTS.name):
        return []
    query = sa.select(DAILY_COUNTS).order_by(
        DAILY_COUNTS.c.day, DAILY_COUNTS.c.measure, DAILY_COUNTS.c.key
    )
    if since is not None:
        query = query.where(DAILY_COUNTS.c.day >= since)
    with engine.connect() as connection:
        return [
            DailyCount(row.day, row.measure, row.key, row.count)
            for row in connection.execute(query)
        ]


def totals(counts: Iterable[DailyCount]) -> Dict[Text, Counter]:
    """Returns each measure's counts over all the days given, by key."""
    summed: Dict[Text, Counter] = {}
    for count in counts:
        summed.setdefault(count.measure, Counter())[count.key] += count.count
    return summed


def as_shown(counts: Iterable[DailyCount]) -> Dict[Text, Any]:
    """Returns the counts as the staff API gives them: totals and days, small ones hidden."""
    counts = list(counts)
    return {
        "smallest_count_shown": SMALLEST_SHOWN,
        "totals": {
            measure: {key: shown(count) for key, count in sorted(by_key.items())}
            for measure, by_key in sorted(totals(counts).items())
        },
        "days": [
            {
                "day": count.day.isoformat(),
                "measure": count.measure,
                "key": count.key,
                "count": shown(count.count),
            }
            for count in counts
        ],
    }
