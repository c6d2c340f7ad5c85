"""The daily counts: added up by day, kept two years, small numbers never shown."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bot.insight import daily
from bot.insight.daily import (
    FEWER_THAN_SMALLEST,
    add_counts,
    as_shown,
    count_now,
    ensure_table,
    expire_counts,
    read_counts,
    shown,
)

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def engine(tmp_path):
    return sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")


def test_counts_of_the_same_day_add_up_and_other_days_stay_apart(engine):
    with engine.begin() as connection:
        ensure_table(connection)
        add_counts(
            connection, DAY, Counter({("sign", "withdrawn"): 2, ("ended", "report_sent"): 1})
        )
        add_counts(connection, DAY, Counter({("sign", "withdrawn"): 3}))
        add_counts(connection, DAY + dt.timedelta(days=1), Counter({("sign", "withdrawn"): 1}))
    found = {(c.day, c.measure, c.key): c.count for c in read_counts(engine)}
    assert found == {
        (DAY, "ended", "report_sent"): 1,
        (DAY, "sign", "withdrawn"): 5,
        (DAY + dt.timedelta(days=1), "sign", "withdrawn"): 1,
    }


def test_a_database_without_counts_reads_as_none(engine):
    assert read_counts(engine) == []


def test_counts_older_than_two_years_are_deleted_and_younger_kept(engine):
    today = dt.datetime.now(dt.timezone.utc).date()
    with engine.begin() as connection:
        ensure_table(connection)
        for age in (daily.KEEP_DAYS + 1, daily.KEEP_DAYS, 1):
            add_counts(connection, today - dt.timedelta(days=age), Counter({("x", "y"): 7}))
        assert expire_counts(connection) == 1
    assert sorted((today - c.day).days for c in read_counts(engine)) == [1, daily.KEEP_DAYS]


def test_a_count_made_now_is_todays_and_adds_to_it(engine):
    count_now(engine, "safe_default", "rasa_unavailable")
    count_now(engine, "safe_default", "rasa_unavailable")
    (row,) = read_counts(engine)
    assert (row.day, row.count) == (dt.datetime.now(dt.timezone.utc).date(), 2)


def test_counts_made_at_once_on_a_new_database_are_all_kept(engine):
    # The web service counts each safe answer in a thread of its own: the
    # first two may race to make the table and today's row.
    with ThreadPoolExecutor(max_workers=8) as threads:
        for _ in range(24):
            threads.submit(count_now, engine, "safe_default", "rasa_unavailable")
    assert [row.count for row in read_counts(engine)] == [24]


def test_a_count_that_cannot_be_kept_is_logged_without_failing(tmp_path, caplog):
    unreachable = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    count_now(unreachable, "safe_default", "rasa_unavailable")
    assert "could not be kept" in caplog.text and "rasa_unavailable" not in caplog.text


@pytest.mark.parametrize(
    "count, seen",
    [
        (0, FEWER_THAN_SMALLEST),
        (1, FEWER_THAN_SMALLEST),
        (4, FEWER_THAN_SMALLEST),
        (5, 5),
        (12, 12),
    ],
)
def test_a_count_under_five_is_shown_as_fewer_than_five(count, seen):
    assert shown(count) == seen


def test_the_staff_figures_hide_small_numbers_in_totals_and_days(engine):
    with engine.begin() as connection:
        ensure_table(connection)
        add_counts(connection, DAY, Counter({("sign", "withdrawn"): 3, ("sign", "injuries"): 6}))
        add_counts(connection, DAY + dt.timedelta(days=1), Counter({("sign", "withdrawn"): 3}))
    figures = as_shown(read_counts(engine))
    assert figures["totals"]["sign"] == {"injuries": 6, "withdrawn": 6}
    assert {(d["day"], d["key"], d["count"]) for d in figures["days"]} == {
        ("2026-12-01", "injuries", 6),
        ("2026-12-01", "withdrawn", FEWER_THAN_SMALLEST),
        ("2026-12-02", "withdrawn", FEWER_THAN_SMALLEST),
    }
    assert all(not isinstance(d["count"], int) or d["count"] >= 5 for d in figures["days"])
