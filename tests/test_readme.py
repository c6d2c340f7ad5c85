"""The README never drifts from the tree: its file map and make targets are real."""

import re
import subprocess
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
README = (PROJECT_DIR / "README.md").read_text()


def file_map_paths():
    section = README.split("## How it is laid out", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


def readme_targets():
    return set(re.findall(r"^\| `make ([a-z-]+)` \|", README, flags=re.MULTILINE))


def makefile_targets():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    return set(re.findall(r"^([a-z-]+):.*## ", makefile, flags=re.MULTILINE))


def tracked_top_level():
    files = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    return {path.split("/")[0] for path in files}


def test_the_two_commands_come_first():
    first_code_block = README.split("```", 2)[1]
    assert "make run" in first_code_block and "make test" in first_code_block


def test_every_path_in_the_file_map_exists():
    missing = [path for path in file_map_paths() if not (PROJECT_DIR / path).exists()]
    assert missing == []


def test_every_tracked_top_level_entry_is_in_the_file_map():
    mapped = {path.rstrip("/").split("/")[0] for path in file_map_paths()}
    unmapped = tracked_top_level() - mapped - {"README.md", ".gitignore"}
    assert unmapped == set()


def test_every_module_in_the_code_folders_is_in_the_file_map():
    mapped = set(file_map_paths())
    modules = {
        str(path.relative_to(PROJECT_DIR))
        for folder in ("bot", "actions", "scripts")
        for path in (PROJECT_DIR / folder).iterdir()
        if path.is_file() and path.name != "__init__.py"
    }
    assert modules - mapped == set()


def test_the_readme_lists_exactly_the_make_targets():
    assert readme_targets() == makefile_targets() - {"help"}
