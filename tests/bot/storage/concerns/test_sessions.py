"""The console's sessions: ended by idleness, signing out, disabling, and the daily purge."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.storage.concerns.credentials import SignInRefused
from bot.storage.concerns.schema import console_sessions
from bot.storage.concerns.sessions import IDLE_LIMIT


def test_a_session_ends_after_15_minutes_idle_and_the_end_is_audited(
    console_store, audited, clock, wall
):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    token = console_store.credentials.sign_in("pc.invented", account.password, wall.code(account))
    clock.now += IDLE_LIMIT - dt.timedelta(seconds=1)
    assert console_store.sessions.session(token) is not None, "each request keeps it alive"
    clock.now += IDLE_LIMIT - dt.timedelta(seconds=1)
    assert console_store.sessions.session(token) is not None
    clock.now += IDLE_LIMIT + dt.timedelta(seconds=1)
    assert console_store.sessions.session(token) is None
    assert console_store.sessions.session(token) is None, "and it stays ended"
    assert audited()[-1] == "sign_out"


def test_signing_out_and_disabling_end_sessions(console_store, wall):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    first = console_store.credentials.sign_in("pc.invented", account.password, wall.code(account))
    second = console_store.credentials.sign_in(
        "pc.invented", account.password, wall.code(account, 1)
    )
    console_store.sessions.sign_out(first)
    assert console_store.sessions.session(first) is None and console_store.sessions.session(second)
    console_store.officers.disable("pc.invented", actor="sup", reason="left the team")
    assert console_store.sessions.session(second) is None
    with console_store.engine.begin() as connection:
        assert connection.execute(sa.select(console_sessions)).first() is None
    wall.seconds += 90
    with pytest.raises(SignInRefused):
        console_store.credentials.sign_in("pc.invented", account.password, wall.code(account))


def test_sessions_nobody_came_back_to_are_forgotten_by_the_purge(console_store, clock, wall):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    left = console_store.credentials.sign_in("pc.invented", account.password, wall.code(account))
    clock.now += IDLE_LIMIT - dt.timedelta(minutes=1)
    kept = console_store.credentials.sign_in("pc.invented", account.password, wall.code(account, 1))
    clock.now += dt.timedelta(minutes=2)
    assert console_store.sessions.forget_ended() == 1
    assert console_store.sessions.session(kept) and console_store.sessions.session(left) is None
