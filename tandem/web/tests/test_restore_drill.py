"""The restore drill's verdict agrees with its numbers (issue #15, item 4)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tandem.web.restore_drill import summary


@pytest.mark.parametrize(
    ("tables", "rows", "files", "russian"),
    [
        (62, 4031, 10, "восстановлены 62 таблицы (4031 строка) и 10 файлов"),
        (1, 2, 1, "восстановлена 1 таблица (2 строки) и 1 файл"),
        (11, 15, 24, "восстановлено 11 таблиц (15 строк) и 24 файла"),
        (65, 1000, 21, "восстановлено 65 таблиц (1000 строк) и 21 файл"),
    ],
)
def test_the_verdict_agrees_with_its_numbers(
    tables: int, rows: int, files: int, russian: str
) -> None:
    line = summary(tables=tables, rows=rows, files=files, seconds=7)
    assert line.startswith(f"restore-drill: успешно — {russian}, всё совпадает (7 с) / OK: ")


def test_the_script_prints_the_verdict_through_the_module() -> None:
    root = Path(__file__).resolve().parents[3]
    script = (root / "bin" / "restore-drill").read_text(encoding="utf-8")
    assert "-m tandem.web.restore_drill" in script and "таблиц (" not in script
    done = subprocess.run(
        [sys.executable, "-m", "tandem.web.restore_drill", "62", "4031", "10", "7"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "PYTHONPATH": str(root),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert "восстановлены 62 таблицы (4031 строка) и 10 файлов" in done.stdout
