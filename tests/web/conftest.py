"""Browser tests drive the system's Chromium, installed from Debian's packages.

Playwright's own browser download does not work here, so pytest-playwright is
pointed at /usr/bin/chromium (scripts/browser installs it), headless, with
the background traffic Chromium would otherwise make switched off: nothing a
test starts may reach beyond 127.0.0.0/8.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }
