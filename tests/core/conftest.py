"""Fixtures of the kernel tests: the CLI in-process and as a real subprocess, and a movable clock."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhurnal.core.cli import main as zhurnal_main


def zhurnal_executable() -> list[str]:
    """The installed ``zhurnal`` console script of this interpreter (venv first, then PATH)."""
    here = Path(sys.executable).parent / "zhurnal"
    if here.exists():
        return [str(here)]
    found = shutil.which("zhurnal")
    if found:
        return [found]
    return [sys.executable, "-c", "from zhurnal.core.cli import main; main()"]


def clean_env(**extra) -> dict:
    """The environment without any ZHURNAL_* of the test run, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHURNAL_")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_zhurnal(args: list[str], *, cwd, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``zhurnal ARGS`` as a real process; ``env`` is added to a clean environment."""
    return subprocess.run(zhurnal_executable() + list(args), cwd=cwd, env=clean_env(**(env or {})),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli():
    """``cli(app, "users", "list")`` runs a command in-process against ``app``."""
    runner = CliRunner()

    def invoke(app, *args, input=None):
        return runner.invoke(zhurnal_main, list(args), obj={"app": app}, input=input, catch_exceptions=False)
    return invoke


class Clock:
    """A UTC clock the identity service reads (``utcnow``), moved by the test."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 26, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr("zhurnal.core.identity.service.utcnow", c)
    return c


def stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]
