"""The deployment guide gives only commands the tests run.

Every `python -m ...` command in docs/deploy.md's shell blocks must be one
that a test starts (tests/assistant.py, the concern command-line tests) with
no option the tests never gave it, so the guide cannot drift from what works.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Dict, List, Set, Tuple

from tests.assistant import PROJECT_DIR, Assistant, web_service_command

DEPLOY = PROJECT_DIR / "docs" / "deploy.md"
SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def shape(argv: List[str]) -> Tuple[Tuple[str, str], Set[str]]:
    """Returns ((module, subcommand), options) of a `python -m module sub ...` command."""
    module = argv.index("-m") + 1
    return (argv[module], argv[module + 1]), {a for a in argv[module + 2 :] if a.startswith("--")}


def commands_the_tests_run(tmp_path: Path) -> Dict[Tuple[str, str], Set[str]]:
    assistant = Assistant(tmp_path, rasa_servers=1)
    known: Dict[Tuple[str, str], Set[str]] = {}
    for argv in [
        *assistant.commands.values(),
        *(web_service_command(s, 1) for s in ("public", "staff")),
    ]:
        name, options = shape(argv)
        known.setdefault(name, set()).update(options)
    concern_tests = (PROJECT_DIR / "tests" / "bot" / "test_staff.py").read_text()
    # Each run(capsys, "<command>", ...) there: the command and the options it gives.
    for call in re.findall(r"run\(\s*capsys,\s*([^)]*)\)", concern_tests):
        words = re.findall(r'"([^"]*)"', call)
        if not words:  # the helper's own definition
            continue
        sub, *given = words
        options = {word for word in given if word.startswith("--")}
        known.setdefault(("bot.staff", sub), {"--actor"}).update(options)
    return known


def documented_commands() -> List[List[str]]:
    commands = []
    for block in SHELL_BLOCK.findall(DEPLOY.read_text()):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if "-m" in words:
                commands.append(words)
    return commands


def test_every_command_in_the_deployment_guide_is_one_the_tests_run(tmp_path):
    known = commands_the_tests_run(tmp_path)
    documented = documented_commands()
    assert len(documented) >= 6
    for words in documented:
        name, options = shape(words)
        assert name in known, f"docs/deploy.md runs {' '.join(name)}, which no test starts"
        assert options <= known[name], f"{' '.join(words)}: options no test gives"


def test_the_deployment_guide_names_files_that_exist():
    for path in re.findall(
        r"`((?:bot|docs|tests)/[\w/.]+|endpoints[\w.]*\.yml)`", DEPLOY.read_text()
    ):
        assert (PROJECT_DIR / path).exists(), path


def test_every_file_the_docs_and_readme_name_exists():
    named = {
        (doc.name, path)
        for doc in [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
        for path in re.findall(
            r"`((?:bot|tests|actions|scripts|docs|data)/[\w/.-]+)`", doc.read_text()
        )
    }
    assert len(named) > 20
    assert sorted((doc, path) for doc, path in named if not (PROJECT_DIR / path).exists()) == []
