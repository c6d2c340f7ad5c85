"""The README never drifts from the tree: its file map and make targets are real."""

import re
import subprocess
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
README = (PROJECT_DIR / "README.md").read_text()


def file_map_paths():
    """Returns every path the map's first column names (a cell may name several)."""
    section = README.split("## How it is laid out", 1)[1].split("\n## ", 1)[0]
    cells = re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE)
    return [path for cell in cells for path in re.findall(r"`([^`]+)`", cell)]


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


# Folders the map names as one line because nothing in them is code to find.
# Folders of assets (the widget's files, the console's templates and
# stylesheet): the map names each folder, not every file in it.
NOT_CODE = ("bot/web/static/", "bot/web/console/templates/", "bot/web/console/static/")


def code_files():
    """Returns every tracked module and script under the code folders, and their folders."""
    files = subprocess.run(
        ["git", "ls-files", "bot", "actions", "scripts"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    modules = {f for f in files if not f.startswith(NOT_CODE) and Path(f).name != "__init__.py"}
    folders = {str(Path(f).parent) + "/" for f in files if not f.startswith(NOT_CODE)}
    return modules, folders


def test_every_module_and_folder_of_the_code_is_in_the_file_map():
    mapped = set(file_map_paths())
    modules, folders = code_files()
    assert modules - mapped == set()
    assert folders - mapped == set()
    assert set(NOT_CODE) - mapped == set()


def test_the_file_map_names_no_module_twice():
    paths = file_map_paths()
    assert sorted({p for p in paths if paths.count(p) > 1}) == []


def test_the_readme_lists_exactly_the_make_targets():
    assert readme_targets() == makefile_targets() - {"help"}
