"""`tandem import-roster FILE [--organization CODE] [--dry-run] [--skip-invalid]`."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tandem.people.models import Participant
from tandem.roster.export import HEADER
from tandem.roster.tests.files import many, person, roster_csv, roster_xlsx, row_of
from tandem.testing import World


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import-roster", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import-roster", *args, stdout=out, stderr=io.StringIO())
    assert refused.value.returncode == 2
    return out.getvalue()


@pytest.fixture
def good(tmp_path: Path, world: World) -> Path:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_xlsx([person(Организация="school-a"),
                                  row_of(world.bob_p, **{"Стаж (лет)": 2})], header=HEADER))
    return path


def test_it_loads_a_file_region_wide(good: Path, world: World) -> None:
    out, err = _run(str(good))
    assert "Строк: 2; новых — 1, изменений — 1, без изменений — 0, с ошибками — 0." in out
    assert "Загружено: новых — 1, изменено — 1." in out
    assert err == ""  # a short file: no progress line
    assert Participant.objects.get(email="novikova@example.org").organization == world.org_a


def test_a_dry_run_changes_nothing(good: Path, world: World) -> None:
    out, _ = _run(str(good), "--dry-run", "--verbosity", "2")
    assert "Строка 2: Новикова Ольга Игоревна — новый" in out
    assert "Строка 3: Бобров Борис Олегович — изменение (Стаж (лет): 1 → 2)" in out
    assert "ничего не изменено" in out
    assert not Participant.objects.filter(email="novikova@example.org").exists()


def test_a_wrong_row_stops_everything_with_status_2(tmp_path: Path, world: World) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([person(Организация="school-a"),
                                 person(Организация="school-a", **{"E-mail": "x@"})],
                                header=HEADER))
    out = _refused(str(path))
    assert "Строка 3, «E-mail»: Введите правильный адрес электронной почты." in out
    assert not Participant.objects.filter(email="novikova@example.org").exists()

    out, _ = _run(str(path), "--skip-invalid")
    assert "Строка 3, «E-mail»" in out
    assert "Загружено: новых — 1, изменено — 0. Пропущено строк с ошибками: 1." in out
    assert Participant.objects.filter(email="novikova@example.org").exists()


def test_organization_narrows_the_scope(tmp_path: Path, world: World) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([person(), person(**{"E-mail": "b@example.org"},
                                                  Организация="ddt-b")], header=HEADER))
    out = _refused(str(path), "--organization", "school-a")
    assert "Строка 3, «Организация»: «ddt-b» — нет среди ваших организаций" in out
    # Without the option the file needs the organization of every row.
    assert "Строка 2, «Организация»: укажите организацию" in _refused(str(path))
    with pytest.raises(CommandError, match="Организации с кодом «nowhere» нет"):
        call_command("import-roster", str(path), "--organization", "nowhere")


def test_a_file_that_cannot_be_read(tmp_path: Path, db: None) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"PK\x03\x04broken")
    assert "Не удалось прочитать таблицу" in _refused(str(path))
    with pytest.raises(CommandError, match="Не удалось прочитать"):
        call_command("import-roster", str(tmp_path / "missing.csv"))


def test_a_long_file_shows_progress_on_stderr(tmp_path: Path, world: World) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(many(1200)))
    _out, err = _run(str(path), "--organization", "school-a", "--dry-run")
    assert err.startswith("\rПроверка: 0 %") and err.endswith("\rПроверка: 100 %\n")
