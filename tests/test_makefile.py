"""`make test` under CI stops when PostgreSQL, Redis or nginx cannot start: never a green skip."""

import os
import subprocess

from tests.assistant import PROJECT_DIR

# The test recipe alone: its other steps are taken as done, the services are
# a command that fails, and pytest and Rasa are replaced by echo, so what would
# have run is printed instead.
RECIPE_ONLY = ["-o", "check", "-o", "lint", "-o", "train", "-o", "browser"]
STAND_INS = ["SERVICES=false", "PY=echo", "RASA=echo", "MAKE=echo"]


def make_test(ci: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": ci}
    return subprocess.run(
        ["make", "--no-print-directory", *RECIPE_ONLY, "test", *STAND_INS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_under_ci_a_service_that_cannot_start_stops_make_test():
    run = make_test("true")
    assert run.returncode != 0
    assert "could not start: CI stops here" in run.stderr
    assert "-m pytest" not in run.stdout


def test_elsewhere_it_warns_loudly_and_the_tests_run_without_those_services():
    run = make_test("false")
    assert run.returncode == 0
    assert "!!! WARNING" in run.stdout and "-m pytest" in run.stdout


def dry_run(*targets: str) -> str:
    """Returns what make would run for the targets, as if the phrase files had changed."""
    run = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-W",
            "data/pl/danger_cues.yml",
            "-W",
            "data/danger_cues.yml",
            "-o",
            ".venv/.installed",
            *targets,
        ],  # fmt: skip
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_rebuilt_pipeline_clears_rasas_cache_before_training():
    # Rasa's cache knows a pipeline by its name: a model trained after a
    # rebuild must not be handed what the old pipeline made of the examples.
    for pipeline in ("build/spacy-en-welfare/.built", "build/spacy-pl-welfare/.built"):
        steps = dry_run(pipeline).splitlines()
        built = next(i for i, step in enumerate(steps) if "bot.understanding.language" in step)
        assert "rm -rf .rasa/cache" in steps[built + 1], steps
