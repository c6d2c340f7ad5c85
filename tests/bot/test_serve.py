"""Servers start only when it is safe: a recorded model, and production secrets set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot import serve
from bot.languages import load_languages
from bot.serve import (
    RefusedToStart,
    check_model,
    check_staff_tokens,
    model_argument,
    production_problems,
    record_model,
    unreviewed_languages,
)
from bot.settings import STORE_SETTINGS, Settings
from bot.storage.concerns import metadata
from tests.assistant import free_port, wait_until_up
from tests.services import POSTGRES, service_url

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEPLOYMENT": "production",
    "CONCERNS_KEY": "a-key-from-the-secret-store",
    "CONCERNS_DATABASE_URL": "postgresql://concerns:s3cret@db.internal/concerns",
    "CONVERSATIONS_DATABASE_URL": "postgresql://rasa:s3cret@db.internal/conversations",
    "WEB_SESSION_SECRET": "a-secret-from-the-secret-store",
    "WEB_ALLOWED_ORIGINS": "https://force.example.invalid",
}


@pytest.fixture
def model(tmp_path) -> Path:
    model = tmp_path / "welfare.tar.gz"
    model.write_bytes(b"an invented stand-in for a trained model")
    record_model(model)
    return model


def test_the_recorded_model_is_accepted(model):
    check_model(model)


def test_a_changed_model_is_refused(model):
    model.write_bytes(b"an invented stand-in for a trained model, changed")
    with pytest.raises(RefusedToStart, match="SHA-256 differs"):
        check_model(model)


def test_a_model_without_a_recorded_hash_is_refused(model):
    model.with_name(model.name + ".sha256").unlink()
    with pytest.raises(RefusedToStart, match="not trained by this project"):
        check_model(model)


def test_the_model_to_check_is_the_one_rasa_would_load():
    assert model_argument(["--port", "1", "--model", "m.tar.gz"]) == Path("m.tar.gz")
    assert model_argument(["--model=n.tar.gz"]) == Path("n.tar.gz")
    with pytest.raises(RefusedToStart):
        model_argument(["--port", "1"])


def test_outside_production_nothing_is_required():
    for service in ("rasa", "actions", "public", "staff"):
        assert production_problems(service, {}) == []


def test_in_production_every_service_has_what_it_needs():
    for service in ("rasa", "actions", "public", "staff"):
        assert production_problems(service, PRODUCTION) == []


@pytest.mark.parametrize(
    "service, missing, named",
    [
        ("rasa", "CONCERNS_KEY", "CONCERNS_KEY"),
        ("rasa", "CONVERSATIONS_DATABASE_URL", "CONVERSATIONS_DATABASE_URL"),
        ("actions", "CONCERNS_KEY", "CONCERNS_KEY"),
        ("actions", "CONCERNS_DATABASE_URL", "CONCERNS_DATABASE_URL"),
        ("staff", "CONCERNS_KEY", "CONCERNS_KEY"),
        ("public", "WEB_SESSION_SECRET", "WEB_SESSION_SECRET"),
        ("public", "WEB_ALLOWED_ORIGINS", "WEB_ALLOWED_ORIGINS"),
    ],
)
def test_in_production_a_missing_secret_is_named(service, missing, named):
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}
    [problem] = production_problems(service, environ)
    assert problem.startswith(f"{named} is not set")


def test_in_production_a_shared_lock_store_needs_a_password():
    [problem] = production_problems("rasa", {**PRODUCTION, "REDIS_HOST": "redis.internal"})
    assert problem.startswith("REDIS_PASSWORD is not set")
    assert (
        production_problems(
            "rasa", {**PRODUCTION, "REDIS_HOST": "redis.internal", "REDIS_PASSWORD": "s3cret"}
        )
        == []
    )


@pytest.mark.parametrize(
    "url, complaint",
    [
        ("sqlite:///var/concerns.db", "is SQLite"),
        ("postgresql://concerns@db.internal/concerns", "has no password"),
    ],
)
def test_in_production_the_database_must_be_a_server_with_a_password(url, complaint):
    environ = {**PRODUCTION, "CONCERNS_DATABASE_URL": url}
    [problem] = production_problems("actions", environ)
    assert complaint in problem


def start(arguments, environ, timeout=60):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CONCERNS_", "WEB_"))},
        "PYTHONPATH": str(PROJECT_DIR),
        **environ,
    }
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_rasa_is_not_started_with_a_changed_model(model):
    model.write_bytes(b"swapped in by someone else")
    finished = start(["-m", "bot.serve", "rasa", "--model", str(model)], {})
    assert finished.returncode == 2
    assert "refusing to load it" in finished.stderr


def test_rasa_reports_nothing_to_its_makers_unless_told_to(model, monkeypatch):
    started_with = []
    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    monkeypatch.setattr(
        serve, "run_rasa", lambda _: started_with.append(os.environ["RASA_TELEMETRY_ENABLED"])
    )
    assert serve.main(["rasa", "--model", str(model)]) is None
    assert started_with == ["false"]


def test_in_production_a_language_no_translator_reviewed_is_refused():
    offered = {**PRODUCTION, "RASA_URL_PL": "http://127.0.0.1:5006"}
    assert production_problems("public", offered) == [
        "RASA_URL_PL offers Polish, whose messages are a draft (data/languages.yml): "
        "a qualified translator must review them first."
    ]
    assert production_problems("public", {**offered, "DEPLOYMENT": "development"}) == []
    assert production_problems("public", {**PRODUCTION, "RASA_URL_XX": "http://127.0.0.1:1"}) == [
        "RASA_URL_XX names no other language of data/languages.yml."
    ]


def test_a_reviewed_language_may_be_offered(tmp_path):
    reviewed = tmp_path / "languages.yml"
    reviewed.write_text(
        "languages:\n  en:\n    name: English\n    review: reviewed\n"
        "  pl:\n    name: Polski\n    review: reviewed\n    reviewed_by: An Invented Translator\n",
        encoding="utf-8",
    )
    offered = {**PRODUCTION, "RASA_URL_PL": "http://127.0.0.1:5006"}
    assert unreviewed_languages(offered, load_languages(reviewed)) == []


def test_the_public_service_does_not_start_in_production_with_a_draft_language(tmp_path):
    environ = {
        **PRODUCTION,
        "RASA_URL_PL": "http://127.0.0.1:5006",
        "CONCERNS_DATA_DIR": str(tmp_path),
    }
    finished = start(["-m", "bot.web", "public"], environ)
    assert finished.returncode == 2 and "Traceback" not in finished.stderr
    assert finished.stderr.strip().splitlines() == [
        "Refusing to start public in production:",
        "  RASA_URL_PL offers Polish, whose messages are a draft (data/languages.yml): "
        "a qualified translator must review them first.",
    ]


@pytest.mark.parametrize(
    "command, service",
    [
        (["-m", "bot.web", "public"], "public"),
        (["-m", "bot.web", "staff"], "staff"),
        (["-m", "bot.serve", "actions"], "actions"),
        (["-m", "bot.serve", "rasa", "--model", "models/welfare.tar.gz"], "rasa"),
    ],
)
def test_no_service_starts_in_production_without_its_secrets(command, service, tmp_path):
    finished = start(command, {"DEPLOYMENT": "production", "CONCERNS_DATA_DIR": str(tmp_path)})
    assert finished.returncode == 2
    first, *problems = finished.stderr.strip().splitlines()
    assert first == f"Refusing to start {service} in production:"
    assert problems and all(" is not set: " in line for line in problems)
    assert "Traceback" not in finished.stderr
    assert not list(tmp_path.iterdir()), "nothing is created on first use in production"


POSTGRES_URL = os.environ.get("CONCERNS_TEST_DATABASE_URL")


def test_the_staff_api_starts_in_production_only_once_a_token_is_issued(tmp_path):
    service_url(POSTGRES, "the staff API's production start")
    environ = {
        **PRODUCTION,
        "CONCERNS_DATABASE_URL": POSTGRES_URL,
        "CONCERNS_KEY": Fernet.generate_key().decode(),
        "CONCERNS_DATA_DIR": str(tmp_path),
    }
    store = Settings.from_env(environ).open_store()
    metadata.drop_all(store.engine)
    store.create_schema()

    refused = start(["-m", "bot.web", "staff"], environ)
    assert refused.returncode == 2
    assert "No staff API token has been issued" in refused.stderr

    store.accounts.issue_staff_token("officer.invented", actor="pytest", reason="test set-up")
    port = free_port()
    log = tmp_path / "staff.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.web", "staff", "--port", str(port)],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR), **environ},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/staff/health", process, log)
    finally:
        process.terminate()
        process.wait(timeout=20)
    store.engine.dispose()


def test_in_production_a_console_account_is_enough_for_the_staff_service(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOYMENT", "production")
    monkeypatch.setenv("CONCERNS_DATA_DIR", str(tmp_path))
    for name in STORE_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RefusedToStart, match="no console account"):
        check_staff_tokens()
    store = Settings.from_env().open_store()
    store.officers.create("sup.invented", "supervisor", actor="pytest", reason="test set-up")
    check_staff_tokens()
    store.officers.disable("sup.invented", actor="pytest", reason="test")
    with pytest.raises(RefusedToStart):
        check_staff_tokens()
