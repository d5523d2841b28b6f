"""The README's walk from nothing to a school with its first class list, run as written (the real
console script on a fresh SQLite file)."""
from __future__ import annotations

import datetime as dt
import re
import shlex
from pathlib import Path

from tests.core.conftest import run_zhurnal

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_commands() -> list[list[str]]:
    text = README.read_text()
    section = text[text.index("## Starting a real school"):]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)[:2]
    cmds = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            for part in line.split("&&"):
                if part.strip():
                    cmds.append(shlex.split(part))
    return cmds


def test_the_readme_walk_runs_as_written(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["Список 5 «А» класса"])
    ws.merge_cells("A1:E1")
    ws.append(["Класс", "Фамилия", "Имя", "Дата рождения", "ФИО законного представителя",
               "Телефон законного представителя"])
    ws.append(["5 «А»", "Сафонова", "Лиза", dt.datetime(2015, 4, 9), "Сафонова Ирина Львовна", "8 914 222-33-44"])
    wb.save(tmp_path / "5a.xlsx")
    env = {"ZHURNAL_DATABASE_URL": f"sqlite:///{tmp_path / 'zhurnal.db'}", "ZHURNAL_PLUGINS": "roster",
           "ZHURNAL_SECURITY_ARGON2_TIME_COST": "1", "ZHURNAL_SECURITY_ARGON2_MEMORY_COST": "8",
           "ZHURNAL_SECURITY_ARGON2_PARALLELISM": "1", "ZHURNAL_TODAY": "2026-11-26", "ZHURNAL_QUEUE_URL": "memory"}
    cmds = readme_commands()
    assert [c[:2] for c in cmds][:3] == [["zhurnal", "init"], ["zhurnal", "users"], ["zhurnal", "serve"]]
    ran = 0
    for cmd in cmds:
        assert cmd[0] == "zhurnal", cmd
        if cmd[1] == "serve":
            continue  # serving is tested elsewhere (tests/core/test_startup.py)
        r = run_zhurnal(cmd[1:], cwd=tmp_path, env=env)
        assert r.returncode == 0, (cmd, r.stdout, r.stderr)
        ran += 1
    assert ran >= 10
    r = run_zhurnal(["export", "students", "out.csv", "--class", "5А"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    out = (tmp_path / "out.csv").read_bytes().decode("utf-8-sig")
    assert "5А;Сафонова;Лиза;;09.04.2015" in out and "+79142223344" in out
