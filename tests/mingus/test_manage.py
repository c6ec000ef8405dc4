"""manage.py, the command line every staff command goes through."""

from __future__ import annotations

import gc
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manage():
    spec = importlib.util.spec_from_file_location("manage_under_test", ROOT / "manage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    gc.unfreeze()
    yield module
    gc.unfreeze()


def test_manage_py_freezes_every_object_once_the_command_has_run(manage, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["manage.py", "check"])

    manage.main()

    assert "System check identified no issues" in capsys.readouterr().out
    # What is alive at exit is skipped by the interpreter's final collection.
    assert gc.get_freeze_count() > 0


def test_manage_py_freezes_every_object_after_a_failing_command_too(manage, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["manage.py", "no_such_command"])

    with pytest.raises(SystemExit) as exit_info:
        manage.main()

    assert exit_info.value.code == 1
    assert "Unknown command: 'no_such_command'" in capsys.readouterr().err
    assert gc.get_freeze_count() > 0
