"""The concern database's tables.

Everything a person wrote, and how to contact them, is kept only in the
``sealed`` columns; the columns beside them (reference, times, status) say
nothing about anyone.
"""

from __future__ import annotations

import sqlalchemy as sa

NEW = "received"
REVIEWED = "reviewed"

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
