"""The code stays arranged by job: a few modules at the top of bot/, none too long to read."""

from tests.assistant import PROJECT_DIR

# A module this long does more than one job: split it along them.
LONGEST_MODULE = 300
TOP_LEVEL_MODULES = 6


def test_bot_keeps_its_code_in_packages_named_for_their_job():
    top = sorted(path.name for path in (PROJECT_DIR / "bot").glob("*.py"))
    assert len(top) <= TOP_LEVEL_MODULES, top


def test_no_module_of_the_service_is_over_the_limit():
    modules = [*(PROJECT_DIR / "bot").rglob("*.py"), *(PROJECT_DIR / "actions").rglob("*.py")]
    too_long = {
        str(path.relative_to(PROJECT_DIR)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }
    assert len(modules) > 30 and too_long == {}
