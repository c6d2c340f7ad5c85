"""The concern database's tables.

Everything a person wrote, and how to contact them, is kept only in the
``sealed`` columns; the columns beside them (reference, times, status) say
nothing about anyone.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

NEW = "received"
REVIEWED = "reviewed"

# How urgent an officer judged a concern, and how it was closed (the console's
# triage). Stored as these names; the console shows them in words.
PRIORITIES = ("routine", "soon", "urgent")
OUTCOMES = ("welfare_check", "safeguarding_referral", "linked_to_case", "no_further_action")
# Who may use the console: supervisors also read the audit log, manage
# accounts and erase.
ROLES = ("officer", "supervisor")

metadata = sa.MetaData()

concerns = sa.Table(
    "concerns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(13), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, default=NEW),
    sa.Column("reviewed_at", sa.DateTime),
    sa.Column("follow_up_hash", sa.String(200), nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    # The triage (bot/web/console): the case number and an officer's "why"
    # can name people, so they are sealed like the report.
    sa.Column("priority", sa.String(8)),
    sa.Column("outcome", sa.String(24)),
    sa.Column("triaged_at", sa.DateTime),
    sa.Column("triage_sealed", sa.LargeBinary),
)

# What the person who submitted adds later, by reference and phrase.
additions = sa.Table(
    "concern_additions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("concern_id", sa.Integer, sa.ForeignKey("concerns.id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
)

# Wrong follow-up tries, by the reference typed (which may not exist).
follow_up_failures = sa.Table(
    "follow_up_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(40), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
)

# The concern team's API tokens (bot/web/staff.py): only a hash of each is
# kept, so a copy of the database gives no way in. Tokens are long and random,
# so a fast hash is enough; a slow one would only slow every request.
staff_tokens = sa.Table(
    "staff_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user", sa.String(100), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(13)),
    sa.Column("reason", sa.String(500), nullable=False),
)

# Named officers who sign in to the console. The password is an argon2id
# hash; the authenticator's secret is sealed with the store's key, so a copy
# of the database gives neither factor.
console_accounts = sa.Table(
    "console_accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    # Set when a supervisor made the password: the officer must choose their own.
    sa.Column("password_change_required", sa.Boolean, nullable=False, default=True),
    sa.Column("totp_sealed", sa.LargeBinary, nullable=False),
    # The last 30-second step whose code was used: no code is accepted twice.
    sa.Column("last_totp_step", sa.BigInteger, nullable=False, default=0),
    sa.Column("failed_tries", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("disabled_at", sa.DateTime),
)

# Signed-in console sessions. Only a hash of the cookie's value is kept.
console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("account", sa.String(100), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
)


def add_missing_columns(engine: Engine) -> None:
    """Adds the columns a newer version gave ``concerns`` to a database made before it.

    ``create_all`` makes missing tables but never alters one that exists; a
    store already holding reports must keep them. Only nullable columns are
    ever added this way, so no row needs a value invented for it.
    """
    present = {column["name"] for column in sa.inspect(engine).get_columns("concerns")}
    with engine.begin() as connection:
        for column in concerns.columns:
            if column.name not in present and column.nullable:
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(
                    sa.text(f'ALTER TABLE concerns ADD COLUMN "{column.name}" {kind}')
                )
