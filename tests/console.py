"""An officer at the console, as a browser without script would be: forms posted, cookies kept.

Shared by the console's HTTP tests and its hostile-input tests. Accounts are
made in the store directly (as ``python -m bot.staff add-account`` does), and
each account signs in once per test: an authenticator code is accepted only
once, so a second sign-in would have to wait for the next 30 seconds.
"""

from __future__ import annotations

import itertools
import re
from typing import Dict, Optional

import pyotp
import requests
import requests.adapters

# A report as the chat stores it, invented, with words distinctive enough to
# look for in pages, exports and the database.
INVENTED_CONCERN = {
    "noticed": "invented: the lady at number seven has not opened her curtains in days",
    "warning_signs": ["curtains kept closed", "phone switched off"],
    "how_long": "ten days, invented",
    "relationship": "neighbour",
    "location": "Invented Gardens",
    "in_danger_now": False,
    "contact_by": "email",
    "contact": "reporter@example.invalid",
}
# What an officer chooses at first sign-in (invented).
CHOSEN_PASSWORD = "an invented passphrase for tests"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
NAMES = itertools.count(1)


def new_account(store, role: str = "officer"):
    """Creates an account with a name no other test uses; returns it (password, secret)."""
    return store.officers.create(
        f"{role}.{next(NAMES)}.invented", role, actor="supervisor.invented", reason="test set-up"
    )


# Each officer works at a workstation of their own: a loopback address per
# console, so the staff service's limit per client (120 requests a minute)
# counts each officer apart, as it would on the force's network.
WORKSTATIONS = (f"127.0.{n // 250 + 4}.{n % 250 + 2}" for n in itertools.count())


class _FromWorkstation(requests.adapters.HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


class Console:
    """One officer's browser session at the console, from a workstation of its own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.mount("http://", _FromWorkstation(next(WORKSTATIONS)))
        self.csrf: Optional[str] = None

    def get(self, path: str, **kwargs) -> requests.Response:
        answer = self.http.get(self.url + path, timeout=30, **kwargs)
        self._remember_csrf(answer)
        return answer

    def post(self, path: str, data: Dict, *, csrf: bool = True, **kwargs) -> requests.Response:
        if csrf:
            data = {"csrf_token": self.csrf, **data}
        answer = self.http.post(self.url + path, data=data, timeout=30, **kwargs)
        self._remember_csrf(answer)
        return answer

    def sign_in(self, account, password: Optional[str] = None) -> requests.Response:
        """Signs in with the account's password (or ``password``) and its current code."""
        form = self.get("/console/sign-in")
        token = FORM_TOKEN.search(form.text).group(1)
        return self.post(
            "/console/sign-in",
            {
                "form_token": token,
                "name": account.name,
                "password": password or account.password,
                "code": pyotp.TOTP(account.totp_secret).now(),
            },
            csrf=False,
        )

    def sign_in_for_work(self, account) -> None:
        """Signs in and replaces the one-time password, as an officer's first visit does."""
        self.sign_in(account)
        answer = self.post(
            "/console/password",
            {
                "current_password": account.password,
                "new_password": CHOSEN_PASSWORD,
                "repeated_password": CHOSEN_PASSWORD,
            },
        )
        assert answer.url.endswith("/console/concerns?password_changed=1"), answer.text[:500]

    def _remember_csrf(self, answer: requests.Response) -> None:
        found = (
            CSRF.search(answer.text)
            if "text/html" in answer.headers.get("content-type", "")
            else None
        )
        if found:
            self.csrf = found.group(1)
