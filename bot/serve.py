"""Starts the Rasa server or the action server, once it is safe to.

    python -m bot.serve rasa <arguments of `rasa run`>
    python -m bot.serve actions <arguments of `python -m rasa_sdk`>
    python -m bot.serve record-model models/welfare.tar.gz

Before the server starts (the action server then takes this process's place,
so it gets stop signals directly; Rasa runs in this process, after
``bot.rasa_patches`` has made its changes to Rasa):

- **Only a model this project trained is loaded.** Rasa models are archives
  whose loading can run code (CVE-2024-49375), so `make train` records the
  model's SHA-256 beside it (``record-model``) and ``rasa`` refuses a model
  whose hash is missing or differs.
- **No default secret in production.** With ``DEPLOYMENT=production`` each
  service refuses to start, with one plain line per missing item, unless its
  secrets are set (``production_problems``): nothing is created on first use.
- **Request bodies are bounded.** Both servers sit behind the web service on
  loopback, but a body limit stops a stray client holding their memory:
  1 MB for Rasa, 8 MB for the action server (Rasa sends it the whole
  conversation and the domain). ``SANIC_REQUEST_MAX_SIZE`` overrides it.
- **Loopback unless told otherwise.** The action server would listen on
  every interface by default; here ``SANIC_HOST`` defaults to 127.0.0.1.
- **Nothing sent to Rasa's makers.** ``RASA_TELEMETRY_ENABLED`` defaults to
  false, so Rasa's usage reports stay off unless someone turns them on.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence

VENV_BIN = Path(sys.executable).parent
BODY_LIMITS = {"rasa": 1024 * 1024, "actions": 8 * 1024 * 1024}


class RefusedToStart(Exception):
    """The server must not start; the message says why, in plain words."""


def model_hash(model: Path) -> str:
    digest = hashlib.sha256()
    with model.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_file(model: Path) -> Path:
    return model.with_name(model.name + ".sha256")


def record_model(model: Path) -> None:
    """Writes the model's hash beside it; `make train` calls this after training."""
    hash_file(model).write_text(model_hash(model) + "\n")


def check_model(model: Path) -> None:
    """Raises RefusedToStart unless the model's hash is the one recorded at training."""
    recorded = hash_file(model)
    if not model.is_file():
        raise RefusedToStart(f"{model} does not exist: run `make train` first.")
    if not recorded.is_file():
        raise RefusedToStart(
            f"{model} has no recorded hash ({recorded}), so it was not trained by this "
            "project's `make train`; refusing to load it."
        )
    if recorded.read_text().strip() != model_hash(model):
        raise RefusedToStart(
            f"{model} is not the model `make train` recorded (its SHA-256 differs); "
            "refusing to load it. Retrain with `make train`."
        )


def production_problems(service: str, environ: Mapping[str, str]) -> List[str]:
    """Returns what is missing for ``service`` to run in production (empty: nothing)."""
    if environ.get("DEPLOYMENT") != "production":
        return []
    problems = []

    def need(name: str, why: str) -> None:
        if not environ.get(name):
            problems.append(f"{name} is not set: {why}.")

    def need_database(name: str, what: str) -> None:
        url = environ.get(name, "")
        if not url:
            problems.append(f"{name} is not set: {what} needs a database server in production.")
        elif url.startswith("sqlite"):
            problems.append(f"{name} is SQLite: {what} needs a database server in production.")
        elif not _password_of(url):
            problems.append(f"{name} has no password: {what}'s database must require one.")

    if service in {"rasa", "actions", "staff"}:
        need("CONCERNS_KEY", "the encryption key must come from the force's secret store")
    if service == "rasa":
        need_database("CONVERSATIONS_DATABASE_URL", "the conversations store")
        if environ.get("REDIS_HOST"):
            need("REDIS_PASSWORD", "the shared lock store (endpoints.scaled.yml) must require one")
    if service in {"actions", "staff"}:
        need_database("CONCERNS_DATABASE_URL", "the concern store")
    if service == "public":
        need("WEB_SESSION_SECRET", "conversation ids must be signed with the force's own secret")
        need("WEB_ALLOWED_ORIGINS", "name the force sites that embed the widget")
        problems += unreviewed_languages(environ)
    return problems


def unreviewed_languages(
    environ: Mapping[str, str], languages: Optional[Mapping[str, Any]] = None
) -> List[str]:
    """Returns a problem for each language offered (RASA_URL_<CODE>) that may not be.

    A translation no qualified translator has reviewed must not reach a
    frightened person as if it had been (data/languages.yml).
    """
    from bot.languages import load_languages
    from bot.settings import language_servers

    languages = load_languages() if languages is None else languages
    problems = []
    for code in sorted(language_servers(environ)):
        variable = f"RASA_URL_{code.upper()}"
        if code not in languages or code == "en":
            problems.append(f"{variable} names no other language of data/languages.yml.")
        elif not languages[code].reviewed:
            problems.append(
                f"{variable} offers {languages[code].english_name}, whose messages are a draft "
                "(data/languages.yml): a qualified translator must review them first."
            )
    return problems


def _password_of(url: str) -> Optional[str]:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password
    except Exception:  # noqa: BLE001 - an unreadable URL has no password we can see
        return None


def check_staff_tokens() -> None:
    """Raises RefusedToStart in production when no officer can use the staff service.

    That is: no staff API token and no console account. A staff service
    nobody can sign in to would only be a door left for someone else.
    """
    if os.environ.get("DEPLOYMENT") != "production":
        return
    from bot.settings import Settings

    store = Settings.from_env().open_store()
    if not (store.accounts.has_staff_tokens() or store.officers.has_accounts()):
        raise RefusedToStart(
            "No staff API token has been issued and no console account made: create a "
            "supervisor's account with `python -m bot.staff add-account <name> --role "
            "supervisor --reason ...` (or issue a token with `issue-token`) first."
        )


def refuse_unless_ready(service: str, environ: Mapping[str, str]) -> None:
    """Raises RefusedToStart with every production problem of ``service``."""
    problems = production_problems(service, environ)
    if problems:
        raise RefusedToStart(
            f"Refusing to start {service} in production:\n  " + "\n  ".join(problems)
        )


def model_argument(arguments: Sequence[str]) -> Path:
    """Returns the model `rasa run` is given with --model; refuses to guess one without it.

    Rasa alone would load the newest file in models/, which may not be the one
    `make train` recorded.
    """
    for position, argument in enumerate(arguments):
        if argument in {"--model", "-m"} and position + 1 < len(arguments):
            return Path(arguments[position + 1])
        if argument.startswith("--model="):
            return Path(argument.split("=", 1)[1])
    raise RefusedToStart("Name the model to load with --model, so its hash can be checked.")


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in {"rasa", "actions", "record-model"}:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    service, rest = arguments[0], arguments[1:]
    try:
        if service == "record-model":
            record_model(Path(rest[0]))
            return 0
        refuse_unless_ready(service, os.environ)
        if service == "rasa":
            check_model(model_argument(rest))
    except RefusedToStart as refusal:
        print(refusal, file=sys.stderr)
        return 2
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(BODY_LIMITS[service]))
    # rasa_sdk listens on every interface unless told otherwise.
    os.environ.setdefault("SANIC_HOST", "127.0.0.1")
    if service == "rasa":
        # Rasa reports usage to its makers unless told not to: this service
        # sends nothing off the force's network by default, and the report
        # would also read the model archive again (a second at start-up).
        os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
        return run_rasa(rest)
    command = [sys.executable, "-m", "rasa_sdk", *rest]
    os.execv(command[0], command)
    return 0  # not reached: the server has taken this process's place


def run_rasa(arguments: Sequence[str]) -> int:
    """Runs `rasa run` in this process, with this project's changes to Rasa applied."""
    from bot import rasa_patches

    try:
        rasa_patches.apply()
    except ValueError as problem:  # RASA_PATCHES names a change that does not exist
        print(problem, file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    sys.argv = [str(VENV_BIN / "rasa"), "run", *arguments]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
