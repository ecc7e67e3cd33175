"""The bounded reader against the hostile-file corpus, in this process and in a child
process whose address space is limited (what a bomb would exhaust)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core import tabular
from tandem.core.tests import hostile

HEADER = ["Фамилия", "Имя", "E-mail"]


@pytest.mark.parametrize("case", hostile.CORPUS, ids=lambda c: c.name)
def test_each_hostile_file_gets_its_code(case: hostile.Hostile) -> None:
    content = case.make(HEADER)
    if case.code is None:
        table = tabular.read_table(content, case.filename)
        assert table.header == HEADER
    else:
        with pytest.raises(tabular.TableError) as error:
            tabular.read_table(content, case.filename)
        assert error.value.code == case.code


def test_the_dimension_is_ignored_and_rows_keep_their_numbers() -> None:
    table = tabular.read_table(hostile.far_cell_bomb(HEADER), "far.xlsx")
    assert [(r.number, r.values["Фамилия"]) for r in table.rows] == [(1_048_576, "x")]
    assert tabular.read_table(hostile.dimension_bomb(HEADER), "bomb.xlsx").rows == []


def test_a_100000_row_file_is_refused_before_any_row_is_parsed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The raw scan of the sheet's XML refuses it; openpyxl never parses a row (how fast
    that is, is benchmarks' business, not a timed assertion here)."""
    def parsed(*args: object, **kwargs: object) -> None:
        raise AssertionError("a row was parsed")

    monkeypatch.setattr(tabular, "_xlsx_rows", parsed)
    content = hostile.many_rows(HEADER)
    with pytest.raises(tabular.TableError) as error:
        tabular.read_table(content, "big.xlsx")
    assert (error.value.code, error.value.detail) == (tabular.TOO_MANY_ROWS, "50000")


def test_the_row_limit_is_exact() -> None:
    for rows, fits in ((3, True), (4, False)):
        content = hostile.table_xlsx(HEADER, [["a", "b", f"{i}@x"] for i in range(rows)])
        csv = hostile.table_csv(HEADER, [["a", "b", f"{i}@x"] for i in range(rows)])
        for data, name in ((content, "t.xlsx"), (csv, "t.csv")):
            if fits:
                assert len(tabular.read_table(data, name, max_rows=3).rows) == rows
            else:
                with pytest.raises(tabular.TableError, match=tabular.TOO_MANY_ROWS):
                    tabular.read_table(data, name, max_rows=3)


def test_a_csv_wider_than_the_limit_is_refused() -> None:
    content = hostile.table_csv(HEADER, [["a", "b", "c"] + [""] * 300 + ["далеко"]])
    with pytest.raises(tabular.TableError, match=tabular.TOO_MANY_COLUMNS):
        tabular.read_table(content, "wide.csv")


def test_an_xlsx_named_csv_is_read_as_the_workbook_it_is() -> None:
    content = hostile.table_xlsx(HEADER, [["Новикова", "Ольга", "o@example.org"]])
    table = tabular.read_table(content, "roster.csv")
    assert table.rows[0].values == {"Фамилия": "Новикова", "Имя": "Ольга",
                                    "E-mail": "o@example.org"}


@pytest.mark.parametrize(("encoding", "newline"), [
    ("cp1251", "\r\n"), ("utf-8-sig", "\n"), ("utf-8", "\r\n"), ("cp1251", "\r")])
def test_csv_encodings_and_line_ends(encoding: str, newline: str) -> None:
    content = hostile.table_csv(HEADER, [["Семёнова", "Анна", "a@x.ru"], ["Ёлкин", "Пётр", ""]],
                                encoding=encoding, newline=newline)
    table = tabular.read_table(content, "r.csv")
    assert table.header == HEADER
    assert [(r.number, r.values["Фамилия"], r.values["Имя"]) for r in table.rows] == [
        (2, "Семёнова", "Анна"), (3, "Ёлкин", "Пётр")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="абвёЁxyz ;,\"'=\n", max_size=8), min_size=3,
                         max_size=3), max_size=6))
def test_any_csv_reads_back_its_cells(rows: list[list[str]]) -> None:
    content = hostile.table_csv(HEADER, rows, encoding="utf-8-sig")
    table = tabular.read_table(content, "r.csv")
    expected = [[c.replace("\u00a0", " ").strip() for c in row] for row in rows]
    assert [list(r.values.values()) for r in table.rows] == [e for e in expected if any(e)]


# -- in a child process with a memory limit ---------------------------------------------
_CHILD = """
import json, resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from tandem.core import tabular
answers = {}
for path in sys.argv[2:]:
    content = open(path, "rb").read()
    try:
        answers[path] = len(tabular.read_table(content, path).rows)
    except tabular.TableError as error:
        answers[path] = error.code
# The peak of this process's own memory (ru_maxrss would keep the parent's from
# before the exec).
status = open("/proc/self/status").read()
answers["peak_kb"] = int(status.split("VmHWM:")[1].split()[0])
print(json.dumps(answers))
"""


def test_the_corpus_is_read_within_a_memory_limit(tmp_path: Path) -> None:
    """One child process reads the whole corpus with 1 GB of address space (the
    unbounded reader took 2.6 GB for the dimension bomb); its peak resident memory must
    stay that of a small script (Python with openpyxl starts at about 50 MB)."""
    paths = []
    for case in hostile.CORPUS:
        path = tmp_path / f"{case.name}-{case.filename}"
        path.write_bytes(case.make(HEADER))
        paths.append(str(path))
    limit = 1024 * 1024 * 1024
    done = subprocess.run([sys.executable, "-c", _CHILD, str(limit), *paths],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[3], check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    answers = json.loads(done.stdout)
    for case, name in zip(hostile.CORPUS, paths, strict=True):
        assert answers[name] == (case.code if case.code else answers[name]), case.name
        assert case.code is not None or isinstance(answers[name], int), case.name
    assert answers["peak_kb"] < 150 * 1024
