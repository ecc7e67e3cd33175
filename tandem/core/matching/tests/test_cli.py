"""``tandem match`` as the engine's own command line (tandem/core/matching/cli.py): no
Django, one Russian line and exit 2 for every malformed input, and ``--verify``."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from tandem.core.matching import cli
from tandem.core.matching.generator import instance_document
from tandem.core.matching.tests.test_match_command import textbook

ROOT = Path(__file__).resolve().parents[4]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(path: Path, document: object) -> Path:
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_tandem_match_does_not_load_django(tmp_path: Path) -> None:
    path = write(tmp_path / "i.json", textbook())
    code = (f"import sys; from tandem import cli; sys.argv = ['tandem', 'match', {str(path)!r}]\n"
            "try:\n    cli.main()\nexcept SystemExit as stop:\n"
            "    assert stop.code == 0, stop.code\n"
            "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["optimal"] is True


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"format": "tandem-matching/1", "competencies": [{"code": "a", "area": "a"}], '
    '"participants": [{"id": ' + "7" * 5000 + ', "organization": "o", "municipality": "m"}]}',
    '{"format": "tandem-matching/1", "competencies": [{"code": "a", "area": "a"}], '
    '"participants": [{"id": 1, "organization": "o", "municipality": "m", '
    '"levels": {"a": ' + "3" * 5000 + "}}]}",
    '{"format": "tandem-matching/1", "competencies": [{"code": "a", "area": "a"}], '
    '"participants": [{"id": 99999999999999999999999, "organization": "o", '
    '"municipality": "m"}]}',
    b"\xff\xfe{",
])
def test_every_malformed_input_ends_with_exit_2_and_one_russian_line(
        tmp_path: Path, text: str | bytes) -> None:
    path = tmp_path / "i.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    code, out, err = run(str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("Ошибка во входных данных")


def test_unknown_arguments_end_with_exit_2_in_russian(tmp_path: Path) -> None:
    code, _, err = run("--frobnicate")
    assert code == 2 and err.startswith("Неверные аргументы")


def solved(tmp_path: Path, document: dict[str, Any]) -> tuple[Path, Path, dict[str, Any]]:
    instance = write(tmp_path / "instance.json", document)
    output = tmp_path / "result.json"
    assert run(str(instance), "--output", str(output))[0] == 0
    return instance, output, json.loads(output.read_text(encoding="utf-8"))


def test_verify_accepts_a_result_of_the_engine(tmp_path: Path) -> None:
    instance, output, result = solved(tmp_path, instance_document(60, 3, capacities=True))
    code, out, _ = run("--verify", str(output), str(instance))
    assert code == 0
    assert out.startswith(f"Результат верен: пар {len(result['pairs'])}, суммарный вес "
                          f"{result['total_weight']}")


@pytest.mark.parametrize("tamper", ["weight", "total", "optimal", "capacity", "forbidden",
                                    "bound"])
def test_verify_finds_a_tampered_result(tmp_path: Path, tamper: str) -> None:
    document = instance_document(40, 5)
    instance, output, result = solved(tmp_path, document)
    first = result["pairs"][0]
    if tamper == "weight":
        first["weight"] += 1
        result["total_weight"] += 1
        result["upper_bound"] += 1
    elif tamper == "total":
        result["total_weight"] += 5
    elif tamper == "optimal":
        result["upper_bound"] += 3
        result["gap"] = 3
        result["optimal"] = True
    elif tamper == "capacity":
        second = result["pairs"][1]
        result["pairs"].append({**second, "a": first["a"]})
    elif tamper == "bound":
        result["upper_bound"] = result["total_weight"] - 1
        result["gap"] = -1
    else:
        document["constraints"]["forbidden"] = [[first["a"], first["b"]]]
        write(instance, document)
    write(output, result)
    code, out, _ = run("--verify", str(output), str(instance))
    assert code == 1 and out.startswith("Результат неверен")


def test_verify_normalises_ids_and_refuses_a_malformed_result(tmp_path: Path) -> None:
    document = textbook()
    document["participants"][0]["id"] = 7
    instance, output, result = solved(tmp_path, document)
    result["pairs"][0]["a"] = "7"
    write(output, result)
    assert run("--verify", str(output), str(instance))[0] == 0
    write(output, {"format": "tandem-matching-result/1", "pairs": "none"})
    code, out, err = run("--verify", str(output), str(instance))
    assert code == 2 and out == "" and err.count("\n") == 1
