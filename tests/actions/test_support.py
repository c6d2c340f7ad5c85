"""action_list_support_services writes out data/agencies.yml, and only verified numbers."""

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.support import ActionListSupportServices
from tests.assistant import run_coroutine

VERIFIED_HELPLINES = {"0808 2000 247", "0808 802 0300", "0808 168 9111"}
AGENCIES = [
    "Hull Domestic Abuse Partnership",
    "Domestic Violence Awareness Project",
    "Blue Door",
    "Women's Aid",
    "Victim Support",
]


def support_services():
    tracker = Tracker.from_dict({"sender_id": "test", "events": [], "latest_message": {}})
    [event] = run_coroutine(ActionListSupportServices().run(CollectingDispatcher(), tracker, {}))
    assert event["name"] == "support_services"
    return event["value"]


def test_every_agency_the_force_works_with_is_named():
    text = support_services()
    for agency in AGENCIES:
        assert agency in text


def test_the_national_lines_carry_their_verified_numbers():
    numbers = set(re.findall(r"0808 \d{3,4} \d{3,4}", support_services()))
    assert numbers == VERIFIED_HELPLINES


def test_the_list_ends_with_999_and_101():
    last = support_services().splitlines()[-1]
    assert "999" in last and "101" in last
