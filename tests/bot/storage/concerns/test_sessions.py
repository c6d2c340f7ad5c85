"""Signing in to the console: two factors, a lock after five wrong tries, sessions that end."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.storage.concerns.schema import console_sessions
from bot.storage.concerns.sessions import IDLE_LIMIT, LOCKED_FOR, TRIES_ALLOWED, SignInRefused


def test_a_new_account_signs_in_with_its_one_time_password_and_code(console_store, audited, wall):
    account = console_store.officers.create(
        "pc.invented", "officer", actor="sup", reason="new starter"
    )
    token = console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))
    officer = console_store.sessions.session(token)
    assert (officer.name, officer.role, officer.password_change_required) == (
        "pc.invented",
        "officer",
        True,
    )
    assert audited() == ["create_account", "sign_in"]


@pytest.mark.parametrize("wrong", ["password", "code"])
def test_five_wrong_tries_lock_the_account_for_15_minutes(
    console_store, audited, clock, wall, wrong
):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    for _ in range(TRIES_ALLOWED):
        password = "not the password" if wrong == "password" else account.password
        typed = "000000" if wrong == "code" else wall.code(account)
        with pytest.raises(SignInRefused):
            console_store.sessions.sign_in("pc.invented", password, typed)
    # Locked: the right password and code are refused too, until the time is up.
    wall.seconds += 30
    with pytest.raises(SignInRefused):
        console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))
    assert audited().count("account_locked") == 1
    assert console_store.officers.accounts()[0]["locked"]

    clock.now += LOCKED_FOR + dt.timedelta(seconds=1)
    wall.seconds += 30
    assert console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))


def test_a_right_sign_in_forgets_earlier_wrong_tries(console_store, audited, wall):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    for _ in range(TRIES_ALLOWED - 1):
        with pytest.raises(SignInRefused):
            console_store.sessions.sign_in("pc.invented", "not the password", wall.code(account))
    console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))
    for _ in range(TRIES_ALLOWED - 1):
        with pytest.raises(SignInRefused):
            console_store.sessions.sign_in("pc.invented", "not the password", "123456")
    assert "account_locked" not in audited()


def test_a_code_is_accepted_once_and_one_step_either_side(console_store, wall):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    now = wall.code(account)
    console_store.sessions.sign_in("pc.invented", account.password, now)
    with pytest.raises(SignInRefused):
        console_store.sessions.sign_in("pc.invented", account.password, now)
    # The next step's code (a phone clock a little ahead) still works; two ahead does not.
    console_store.sessions.sign_in("pc.invented", account.password, wall.code(account, 1))
    with pytest.raises(SignInRefused):
        console_store.sessions.sign_in("pc.invented", account.password, wall.code(account, 3))


def test_an_unknown_name_is_refused_like_a_wrong_password_and_audited(console_store):
    with pytest.raises(SignInRefused):
        console_store.sessions.sign_in("nobody.invented", "whatever it is", "123456")
    last = console_store.audit.audit_trail()[-1]
    # What was typed as the name is not written down: it may be a password.
    assert (last["actor"], last["action"]) == ("unknown account", "sign_in_refused")


def test_a_session_ends_after_15_minutes_idle_and_the_end_is_audited(
    console_store, audited, clock, wall
):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    token = console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))
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
    first = console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))
    second = console_store.sessions.sign_in("pc.invented", account.password, wall.code(account, 1))
    console_store.sessions.sign_out(first)
    assert console_store.sessions.session(first) is None and console_store.sessions.session(second)
    console_store.officers.disable("pc.invented", actor="sup", reason="left the team")
    assert console_store.sessions.session(second) is None
    with console_store.engine.begin() as connection:
        assert connection.execute(sa.select(console_sessions)).first() is None
    wall.seconds += 90
    with pytest.raises(SignInRefused):
        console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))


def test_sessions_nobody_came_back_to_are_forgotten_by_the_purge(console_store, clock, wall):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    left = console_store.sessions.sign_in("pc.invented", account.password, wall.code(account))
    clock.now += IDLE_LIMIT - dt.timedelta(minutes=1)
    kept = console_store.sessions.sign_in("pc.invented", account.password, wall.code(account, 1))
    clock.now += dt.timedelta(minutes=2)
    assert console_store.sessions.forget_ended() == 1
    assert console_store.sessions.session(kept) and console_store.sessions.session(left) is None
