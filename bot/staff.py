"""The concern team's command line: list, read, review, export, erase, purge, rotate the key,
and the console's accounts.

Run ``.venv/bin/python -m bot.staff --help`` from the project directory.
Every command but ``purge`` and ``rotate-key`` needs ``--reason``; every command is written to the
audit log with the acting officer (``--actor``, by default the login name).

A supervisor creates the first console account with ``add-account NAME --role
supervisor``: it prints a one-time password and the authenticator secret
(JSON on standard output), and the QR code for the authenticator app on
standard error. Both are shown once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, List, Optional, Sequence

import segno

from bot.settings import Settings
from bot.storage.concerns import ConcernStoreError, UnknownReference
from bot.storage.concerns.officers import AccountProblem
from bot.storage.concerns.review import records_as_csv
from bot.storage.concerns.schema import ROLES
from bot.storage.conversations import (
    open_conversations,
    purge_idle_conversations,
    reseal_conversations,
)


def parser() -> argparse.ArgumentParser:
    """Returns the command-line parser."""
    main = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__.split("\n")[0])
    main.add_argument("--actor", default=getpass.getuser(), help="who is acting (audited)")
    commands = main.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("list", "list submissions not yet reviewed"),
        ("show", "show one submission, decrypted"),
        ("review", "mark one submission as reviewed"),
        ("export", "export every submission for the case system"),
        ("erase", "delete one submission for good"),
    ):
        command = commands.add_parser(name, help=help_text)
        if name in {"show", "review", "erase"}:
            command.add_argument("reference")
        if name == "export":
            command.add_argument("--format", choices=("json", "csv"), default="json")
        command.add_argument("--reason", required=True, help="why (audited)")
    for name, help_text in (
        ("issue-token", "create an API token for an officer (shown once)"),
        ("revoke-token", "revoke every API token of an officer"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("user", help="the officer the token is for")
        command.add_argument("--reason", required=True, help="why (audited)")
    for name, help_text in (
        ("add-account", "create a console account (its password and authenticator shown once)"),
        ("unlock-account", "end a console account's lock after wrong tries"),
        ("disable-account", "stop a console account signing in, for good"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("name", help="the officer's account name")
        if name == "add-account":
            command.add_argument("--role", choices=ROLES, default="officer")
        command.add_argument("--reason", required=True, help="why (audited)")
    commands.add_parser(
        "purge", help="delete submissions past the retention period and idle conversations"
    )
    commands.add_parser(
        "rotate-key",
        help="re-seal every submission and conversation with CONCERNS_KEY "
        "(old keys in CONCERNS_OLD_KEYS; drop them once this has run)",
    )
    return main


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs one command; returns the exit status."""
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        store = settings.open_store()
        if args.command == "list":
            output: Any = store.review.list_new(actor=args.actor, reason=args.reason)
        elif args.command == "show":
            output = store.review.read(args.reference, actor=args.actor, reason=args.reason)
        elif args.command == "review":
            store.review.mark_reviewed(args.reference, actor=args.actor, reason=args.reason)
            output = {"reference": args.reference, "status": "reviewed"}
        elif args.command == "export":
            records = store.review.export(actor=args.actor, reason=args.reason)
            if args.format == "csv":
                sys.stdout.write(records_as_csv(records))
                return 0
            output = records
        elif args.command == "erase":
            store.review.erase(args.reference, actor=args.actor, reason=args.reason)
            output = {"reference": args.reference, "erased": True}
        elif args.command == "issue-token":
            token = store.accounts.issue_staff_token(
                args.user, actor=args.actor, reason=args.reason
            )
            output = {"user": args.user, "token": token, "note": "shown once: keep it safe"}
        elif args.command == "revoke-token":
            revoked = store.accounts.revoke_staff_tokens(
                args.user, actor=args.actor, reason=args.reason
            )
            output = {"user": args.user, "revoked": revoked}
        elif args.command == "add-account":
            account = store.officers.create(
                args.name, args.role, actor=args.actor, reason=args.reason
            )
            output = {
                "name": account.name,
                "role": account.role,
                "one_time_password": account.password,
                "authenticator_secret": account.totp_secret,
                "note": "shown once: the officer changes the password at first sign-in",
            }
            print("Scan this with the officer's authenticator app:", file=sys.stderr)
            segno.make(account.totp_uri, error="m").terminal(out=sys.stderr, compact=True)
        elif args.command == "unlock-account":
            store.officers.unlock(args.name, actor=args.actor, reason=args.reason)
            output = {"name": args.name, "unlocked": True}
        elif args.command == "disable-account":
            store.officers.disable(args.name, actor=args.actor, reason=args.reason)
            output = {"name": args.name, "disabled": True}
        elif args.command == "rotate-key":
            conversations = open_conversations(settings)
            output = store.rotate_key(
                actor=args.actor,
                conversations=lambda: reseal_conversations(conversations, settings.cipher()),
            )
        else:
            removed = store.review.purge_expired(
                retention_days=settings.retention_days, actor=args.actor
            )
            # Imported here: counting reads Rasa's events, and Rasa takes
            # seconds to import, which no other command needs.
            from bot.insight.counting import fold_conversations
            from bot.insight.daily import expire_counts

            cipher, folded = settings.cipher(), []
            engine = open_conversations(settings)

            def count_first(connection: Any, senders: List[str]) -> None:
                # What the comms team may learn from them, before they go.
                folded.append(fold_conversations(connection, senders, cipher))

            conversations = purge_idle_conversations(
                engine, idle_hours=settings.conversation_idle_hours, before_delete=count_first
            )
            # The daily counts are kept two years, and go by the same purge.
            with engine.begin() as connection:
                expired = expire_counts(connection)
            sessions = store.sessions.forget_ended()
            store.audit.record_conversation_purge(
                conversations, idle_hours=settings.conversation_idle_hours, actor=args.actor
            )
            output = {
                "purged": removed,
                "retention_days": settings.retention_days,
                "conversations_purged": conversations,
                "conversations_counted": sum(folded),
                "daily_counts_expired": expired,
                "console_sessions_ended": sessions,
                "conversation_idle_hours": settings.conversation_idle_hours,
            }
    except AccountProblem as error:
        print(error, file=sys.stderr)
        return 2
    except UnknownReference as error:
        print(f"No submission has the reference {error}.", file=sys.stderr)
        return 2
    except ConcernStoreError as error:
        print(f"The concern store could not do that: {error}.", file=sys.stderr)
        return 1
    print(json.dumps(output, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
