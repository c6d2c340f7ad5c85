"""Console accounts: made by a supervisor, plain names, hashed and sealed factors, own password."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.storage.concerns.credentials import TRIES_ALLOWED, SignInRefused
from bot.storage.concerns.officers import AccountProblem
from bot.storage.concerns.schema import console_accounts


def test_neither_factor_is_kept_in_a_form_a_copy_of_the_database_could_use(console_store, tmp_path):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    with console_store.engine.begin() as connection:
        row = connection.execute(sa.select(console_accounts)).first()
    assert row.password_hash.startswith("$argon2id$")
    raw = (tmp_path / "concerns.db").read_bytes()
    assert account.password.encode() not in raw
    assert account.totp_secret.encode() not in raw


def test_a_supervisor_unlocks_an_account_and_it_is_audited(console_store, wall):
    account = console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    for _ in range(TRIES_ALLOWED):
        with pytest.raises(SignInRefused):
            console_store.credentials.sign_in("pc.invented", "wrong", "000000")
    console_store.officers.unlock("pc.invented", actor="sup", reason="phoned in, identity checked")
    assert console_store.credentials.sign_in("pc.invented", account.password, wall.code(account))
    assert (
        console_store.audit.audit_trail()[-2]["reason"]
        == "pc.invented: phoned in, identity checked"
    )


@pytest.mark.parametrize(
    "name, role",
    [
        ("", "officer"),
        ("has space", "officer"),
        ("a/b", "officer"),
        ("x" * 101, "officer"),
        ("pc.invented", "chief"),
    ],  # fmt: skip
)
def test_accounts_have_plain_names_and_known_roles(console_store, name, role):
    with pytest.raises(AccountProblem):
        console_store.officers.create(name, role, actor="sup", reason="t")
    assert console_store.officers.accounts() == []


def test_two_accounts_cannot_share_a_name(console_store):
    console_store.officers.create("pc.invented", "officer", actor="sup", reason="t")
    with pytest.raises(AccountProblem, match="exists"):
        console_store.officers.create("pc.invented", "supervisor", actor="sup", reason="t")
