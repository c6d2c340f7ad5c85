"""scripts/preview.py: the test stories as transcripts, in the widget's look."""

from __future__ import annotations

import importlib.util
import sys

import yaml
from playwright.sync_api import Page, expect

from tests.assistant import PROJECT_DIR, button_title

spec = importlib.util.spec_from_file_location("preview", PROJECT_DIR / "scripts" / "preview.py")
preview = importlib.util.module_from_spec(spec)
sys.modules["preview"] = preview  # its dataclasses look themselves up here
spec.loader.exec_module(preview)

DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
RESULTS = PROJECT_DIR / "results"


def first_paragraph(response: str) -> str:
    return DOMAIN["responses"][response][0]["text"].split("\n\n")[0].strip()


def test_every_story_is_written_with_the_real_messages(tmp_path):
    assert preview.main(["--out", str(tmp_path)]) == 0
    text = (tmp_path / "preview.txt").read_text()
    stories = preview.load_stories(PROJECT_DIR / "tests" / "stories")
    assert stories and all(f"=== {story['story']} ===" in text for story in stories)
    assert first_paragraph("utter_immediate_danger") in text
    assert first_paragraph("utter_ask_concern_duration") in text  # a form's question
    titles = [button_title("utter_ask_report_confirmed", p) for p in ("/affirm", "/stop")]
    assert all(f"[{title}]" in text for title in titles)  # buttons, by title
    pressed = button_title("utter_ask_anything_else", "/deny")
    assert f"Person: {pressed}" in text  # a pressed button shows its title
    assert "{" not in text.replace("{reference}", ""), "every placeholder is filled"


def test_a_response_with_buttons_and_conditions_is_rendered_as_the_widget_would():
    slots = {"signs_so_far": "keeping the curtains closed"}
    turns = preview.response_turns(DOMAIN, "utter_ask_concern_details", slots)
    assert turns[-1].text.startswith("So far you've told me about: keeping the curtains closed")
    assert [b["payload"] for b in turns[-1].buttons] == ["/deny"]
    assert len(preview.response_turns(DOMAIN, "utter_opening", {})) == 3  # three bubbles


def test_the_html_page_looks_like_the_widget(page: Page, tmp_path):
    preview.main(["--out", str(tmp_path)])
    page.set_viewport_size({"width": 900, "height": 1200})
    page.goto((tmp_path / "preview.html").as_uri())
    expect(page.locator(".preview-story").first).to_be_visible()
    expect(page.locator(".wc-bot").first).to_have_css("background-color", "rgb(238, 242, 248)")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "preview.png"))
