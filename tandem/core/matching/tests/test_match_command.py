"""``tandem match`` (tandem/pairs/management/commands/match.py): the happy path writes a
result file; bad input exits 2 in Russian. Here, not in tandem/pairs, because the command
is the engine's command line; the no-Django rule of tandem/core exempts tests."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tandem.core.matching import instance as m
from tandem.core.matching.generator import instance_document
from tandem.pairs.management.commands import match as command

ROOT = Path(__file__).resolve().parents[4]


def textbook() -> dict[str, Any]:
    return {
        "format": "tandem-matching/1",
        "competencies": [{"code": "digital.ai", "area": "digital"},
                         {"code": "method.lesson", "area": "methodology"}],
        "participants": [
            {"id": "anna", "organization": "school", "municipality": "town",
             "levels": {"digital.ai": 3, "method.lesson": 0}},
            {"id": "petr", "organization": "school", "municipality": "town",
             "levels": {"digital.ai": 0, "method.lesson": 3}},
        ],
    }


def run(path: Path, *args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("match", str(path), *args, stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "instance.json"
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_it_writes_the_result_file(tmp_path: Path) -> None:
    output = tmp_path / "result.json"
    code, out, err = run(write(tmp_path, textbook()), "--output", str(output), "--with-edges")
    assert code == 0 and err == ""
    assert out.startswith("Пар: 1, без пары: 0, суммарный вес 18 при верхней границе 18 "
                          "(оптимум доказан)")
    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["format"] == "tandem-matching-result/1"
    [pair] = result["pairs"]
    assert (pair["a"], pair["b"], pair["weight"]) == ("anna", "petr", 18)
    assert pair["a_teaches_b"][0]["competency"] == "digital.ai"
    assert pair["b_teaches_a"][0]["competency"] == "method.lesson"
    assert (result["total_weight"], result["upper_bound"], result["gap"]) == (18, 18, 0)
    assert result["optimal"] is True
    assert result["stats"]["candidates"] == 1 and result["stats"]["time"] >= 0
    assert result["edges"] == [["anna", "petr", 18]]


def test_without_output_it_prints_the_json(tmp_path: Path) -> None:
    code, out, _ = run(write(tmp_path, instance_document(40, 1)), "--time-limit", "5")
    result = json.loads(out)
    assert code == 0 and "edges" not in result
    assert len(result["pairs"]) * 2 + len(result["unmatched"]) <= 40
    assert all(u["reason"] and u["reason_text"] for u in result["unmatched"])


def test_the_django_command_passes_the_warm_start_through(tmp_path: Path) -> None:
    path = write(tmp_path, textbook())
    previous = tmp_path / "previous.json"
    code, _, _ = run(path, "--with-duals", "--output", str(previous))
    assert code == 0
    assert json.loads(previous.read_text(encoding="utf-8"))["duals"] == [["anna", 18],
                                                                         ["petr", 18]]
    code, out, _ = run(path, "--warm", str(previous))
    result = json.loads(out)
    assert code == 0 and result["stats"]["warm"] is True and result["optimal"] is True


@pytest.mark.parametrize(("document", "message"), [
    ('{"format": "tandem-matching/1", ', "Файл не является корректным JSON"),
    ("[1, 2]", m.NOT_AN_OBJECT.format(where="Экземпляр", value="[1, 2]")),
])
def test_it_refuses_malformed_json(tmp_path: Path, document: str, message: str) -> None:
    code, out, err = run(write(tmp_path, document))
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_it_names_the_unknown_competency(tmp_path: Path) -> None:
    doc = textbook()
    doc["participants"][1]["can_teach"] = ["method.robotics"]
    code, _, err = run(write(tmp_path, doc))
    assert code == 2
    assert m.UNKNOWN_COMPETENCY.format(id="petr", code="method.robotics",
                                       field="can_teach") in err


def test_it_refuses_a_locked_pair_that_breaks_a_constraint(tmp_path: Path) -> None:
    doc = textbook()
    doc["participants"][0]["line_manager"] = "petr"
    doc["constraints"] = {"locked": [["anna", "petr"]]}
    code, _, err = run(write(tmp_path, doc))
    assert code == 2
    assert m.LOCKED_REPORTING_LINE.format(a="anna", b="petr", manager="petr",
                                          subordinate="anna") in err


def test_it_refuses_a_duplicate_id_and_a_level_out_of_range(tmp_path: Path) -> None:
    doc = textbook()
    doc["participants"].append(dict(doc["participants"][0]))
    assert run(write(tmp_path, doc))[0] == 2
    assert m.DUPLICATE_ID.format(id="anna") in run(write(tmp_path, doc))[2]
    doc = textbook()
    doc["participants"][0]["levels"]["digital.ai"] = 5
    code, _, err = run(write(tmp_path, doc))
    assert code == 2 and m.LEVEL_OUT_OF_RANGE.format(id="anna", code="digital.ai",
                                                     value=5) in err


def test_it_refuses_a_missing_file_and_a_bad_time_limit(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "nowhere.json")
    assert code == 2 and "Не удалось прочитать файл" in err
    code, _, err = run(write(tmp_path, textbook()), "--time-limit", "0")
    assert code == 2 and err.strip() == command.BAD_TIME_LIMIT.format(value=0.0)


def test_the_real_command_line_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, '{"format": "tandem-matching/1", "competencies": [], '
                           '"participants": []}')
    done = subprocess.run([sys.executable, "-m", "tandem.cli", "match", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Экземпляр: список «competencies» пуст." in done.stderr
    assert "Traceback" not in done.stderr
