"""scripts/services: starts PostgreSQL and Redis for the tests and prints where they are.

Callers capture its output (`vars=$(scripts/services)` in the Makefile), so the
script must print its VARIABLE=URL lines alone and must let go of the caller's
pipe even when it has just started a server, a daemon that outlives it. CI
once hung for its whole 90 minutes because the daemon kept the pipe open.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services"


def postgresql_cluster():
    """Returns the newest installed cluster's version, or None if none is installed."""
    if shutil.which("pg_lsclusters") is None:
        return None
    lines = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()
    return lines[0] if lines else None


needs_postgresql_as_root = pytest.mark.skipif(
    os.geteuid() != 0 or postgresql_cluster() is None,
    reason="!!! needs root and an installed PostgreSQL cluster (as in CI) !!!",
)


@needs_postgresql_as_root
def test_starting_the_servers_prints_only_where_they_are_and_releases_the_pipe():
    version = postgresql_cluster()
    subprocess.run(["pg_ctlcluster", version, "main", "stop"], capture_output=True)
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)

    # Capturing stdout waits for every holder of the pipe to close it: with the
    # old script this never returned, so the timeout is the assertion.
    finished = subprocess.run(
        [str(SERVICES)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120
    )

    assert finished.returncode == 0
    variables = dict(line.split("=", 1) for line in finished.stdout.splitlines())
    assert set(variables) == {"CONCERNS_TEST_DATABASE_URL", "TEST_REDIS_URL"}
    assert variables["CONCERNS_TEST_DATABASE_URL"].startswith("postgresql://welfare_test:")
    assert "@127.0.0.1:" in variables["CONCERNS_TEST_DATABASE_URL"]
    assert variables["TEST_REDIS_URL"] == "redis://127.0.0.1:6379/0"


@needs_postgresql_as_root
def test_running_servers_are_reused():
    first = subprocess.run([str(SERVICES)], capture_output=True, text=True, timeout=120)
    second = subprocess.run([str(SERVICES)], capture_output=True, text=True, timeout=120)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
