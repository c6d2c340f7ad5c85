"""Importing a module lazily, or with a package hidden, changes only that import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bot.rasa_patches import import_hooks


def run_python(code: str, tmp_path) -> str:
    """Runs code in a new interpreter, beside a small invented package; returns its output."""
    package = tmp_path / "invented_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "noisy.py").write_text("print('noisy ran')\nVALUE = 42\n")
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{sys.path[0]}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def test_a_module_loaded_on_first_use_runs_only_when_a_name_is_read(tmp_path):
    output = run_python(
        """
        import sys
        from bot.rasa_patches import import_hooks
        import_hooks.load_on_first_use("invented_package.noisy")
        import invented_package.noisy as noisy
        print("imported")
        print(noisy.VALUE)
        print(any(type(f).__name__ == "_OnFirstUse" for f in sys.meta_path))
        """,
        tmp_path,
    )
    assert output.split() == ["imported", "noisy", "ran", "42", "False"]


def test_a_hidden_package_cannot_be_imported_inside_the_block_only(tmp_path):
    output = run_python(
        """
        from bot.rasa_patches import import_hooks
        with import_hooks.hidden("invented_package"):
            try:
                import invented_package.noisy
            except ModuleNotFoundError as missing:
                print("missing", missing.name)
        import invented_package.noisy
        """,
        tmp_path,
    )
    assert output.split() == ["missing", "invented_package", "noisy", "ran"]


def test_the_finders_are_as_they_were_after_the_block_even_after_an_error():
    finders = list(sys.meta_path)
    with pytest.raises(RuntimeError):
        with import_hooks.hidden("invented_package"):
            raise RuntimeError("anything going wrong inside")
    assert sys.meta_path == finders
