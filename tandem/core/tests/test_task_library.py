import datetime as dt
import itertools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core import task_library as tl
from tandem.core.maps import FORMS
from tandem.core.programmes import TECHNOLOGIES

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "maps" / "task_library.json"
FRAMEWORK = ROOT / "diagnostics" / "framework_default.json"


def framework_codes() -> list[str]:
    data = json.loads(FRAMEWORK.read_text(encoding="utf-8"))
    return [c["code"] for a in data["areas"] for c in a["competencies"]]


def shipped() -> list[tl.TaskTemplate]:
    return tl.parse_library(json.loads(LIBRARY.read_text(encoding="utf-8")),
                            competencies=framework_codes())


def template(tid: str, direction: str = tl.YOUNG_TO_SENIOR, levels: tuple[int, int] = (0, 1),
             weeks: int = 3, competency: str = "ict.online_tests") -> tl.TaskTemplate:
    return tl.TaskTemplate(id=tid, competency=competency, direction=direction,
                           task=f"Задача {tid}", technology="ict_practicum", form="practicum",
                           product="продукт", evidence="показ", weeks=weeks, levels=levels)


def item(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "ict.online_tests.y2s.1", "competency": "ict.online_tests",
        "direction": "young_to_senior", "task": "Собрать тест", "technology": "ict_practicum",
        "form": "practicum", "product": "тест", "evidence": "ссылка", "weeks": 3,
        "levels": [0, 1]}
    base.update(changes)
    return base


# --- The shipped library ----------------------------------------------------------------

def test_the_shipped_library_parses_and_is_versioned() -> None:
    data = json.loads(LIBRARY.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["note"]
    assert len(shipped()) == len(data["templates"])


def test_every_competency_has_templates_in_both_directions_and_a_joint_one() -> None:
    counts = Counter((t.competency, t.direction) for t in shipped())
    missing = [(code, d) for code in framework_codes()
               for d in (tl.YOUNG_TO_SENIOR, tl.SENIOR_TO_YOUNG) if not 2 <= counts[code, d] <= 4]
    missing += [(code, tl.MUTUAL) for code in framework_codes() if counts[code, tl.MUTUAL] < 1]
    assert missing == []


def test_no_template_for_a_competency_outside_the_framework() -> None:
    assert {t.competency for t in shipped()} == set(framework_codes())


def test_codes_levels_and_weeks_are_valid() -> None:
    technologies = {code for code, _label in TECHNOLOGIES}
    for t in shipped():
        assert t.technology in technologies, t.id
        assert t.form in FORMS, t.id
        assert 0 <= t.levels[0] <= t.levels[1] <= 3, t.id
        assert 1 <= t.weeks <= 8, t.id
        assert t.id.startswith(t.competency + "."), t.id


def test_no_duplicate_ids_or_texts() -> None:
    templates = shipped()
    assert len({t.id for t in templates}) == len(templates)
    for field in ("task",):
        texts = Counter(getattr(t, field).casefold() for t in templates)
        assert [text for text, n in texts.items() if n > 1] == []


def test_texts_are_russian_sentences() -> None:
    allowed = {"Google", "QR", "VK", "D"}  # product names and «QR-код», «3D»
    for t in shipped():
        for text in (t.task, t.product, t.evidence, t.resource_hint):
            assert set(re.findall(r"[A-Za-z]+", text)) <= allowed, (t.id, text)
        assert t.task[0].isupper() and t.task.endswith("."), t.id
        assert "  " not in t.task


def test_each_direction_covers_a_beginner() -> None:
    """A learner at 0 finds a template of their own range in both directions."""
    for code in framework_codes():
        for d in (tl.YOUNG_TO_SENIOR, tl.SENIOR_TO_YOUNG, tl.MUTUAL):
            best = tl.choose_template(shipped(), code, d, 0, 0 if d == tl.MUTUAL else 3)
            assert best is not None and best.direction == d and best.levels[0] == 0, (code, d)


# --- Validation -------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"direction": "sideways"}, "direction"),
    ({"technology": "telepathy"}, "technology"),
    ({"form": "reverse"}, "form"),  # a form of mentoring, not a form of work on a row
    ({"weeks": 9}, "weeks"),
    ({"weeks": 0}, "weeks"),
    ({"weeks": True}, "weeks"),
    ({"levels": [2, 1]}, "levels"),
    ({"levels": [0, 4]}, "levels"),
    ({"levels": [1]}, "levels"),
    ({"task": "   "}, "task"),
    ({"product": 5}, "product"),
    ({"id": "Тест 1"}, "id"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_field_is_named_in_russian(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(tl.LibraryError) as error:
        tl.parse_library({"version": 1, "templates": [item(**changes)]})
    assert error.value.field == field
    assert f"«{field}»" in str(error.value)
    assert re.search("[а-я]", str(error.value))


def test_a_missing_field_and_an_unknown_competency() -> None:
    broken = item()
    del broken["evidence"]
    pattern = r"«ict\.online_tests\.y2s\.1».*«evidence».*отсутствует"
    with pytest.raises(tl.LibraryError, match=pattern):
        tl.parse_library({"version": 1, "templates": [broken]})
    with pytest.raises(tl.LibraryError, match="нет в рамке"):
        tl.parse_library({"version": 1, "templates": [item()]}, competencies=["ict.ai_lessons"])


def test_duplicates_are_refused() -> None:
    with pytest.raises(tl.LibraryError, match="идентификатор уже есть"):
        tl.parse_library({"version": 1, "templates": [item(), item(task="Другая")]})
    with pytest.raises(tl.LibraryError, match=r"повторяет шаблон «ict\.online_tests\.y2s\.1»"):
        tl.parse_library({"version": 1, "templates": [item(), item(id="ict.online_tests.y2s.2",
                                                                   task="собрать  тест")]})


def test_the_document_itself_is_checked() -> None:
    documents: list[Any] = [[], {"templates": [item()]}, {"version": 1, "templates": []}]
    for data in documents:
        with pytest.raises(tl.LibraryError):
            tl.parse_library(data)


def test_spaces_are_normalized_and_the_hint_is_optional() -> None:
    [t] = tl.parse_library({"version": 1, "templates": [
        item(task="  Собрать\n тест  ", resource_hint=None)]})
    assert t.task == "Собрать тест" and t.resource_hint == ""


# --- The drafting rule ------------------------------------------------------------------

LIB = [
    template("ict.online_tests.y2s.1", tl.YOUNG_TO_SENIOR, (0, 1), 3),
    template("ict.online_tests.y2s.2", tl.YOUNG_TO_SENIOR, (0, 1), 5),
    template("ict.online_tests.y2s.3", tl.YOUNG_TO_SENIOR, (2, 2), 2),
    template("ict.online_tests.s2y.1", tl.SENIOR_TO_YOUNG, (0, 1), 2),
    template("ict.online_tests.mut.1", tl.MUTUAL, (0, 2), 3),
    template("ict.ai_lessons.y2s.1", tl.YOUNG_TO_SENIOR, (0, 1), 3, "ict.ai_lessons"),
]


def ids(templates: list[tl.TaskTemplate]) -> list[str]:
    return [t.id.removeprefix("ict.online_tests.") for t in templates]


def test_a_wide_gap_takes_the_longer_template_of_the_exact_direction() -> None:
    ranked = tl.choose_templates(LIB, "ict.online_tests", tl.YOUNG_TO_SENIOR, 0, 3)
    # Exact direction first; inside the level range the longer (5 weeks) first; the (2, 2)
    # range is two levels away; then the joint study; the opposite direction last.
    assert ids(ranked) == ["y2s.2", "y2s.1", "y2s.3", "mut.1", "s2y.1"]


def test_a_narrow_gap_takes_the_shorter_template() -> None:
    ranked = tl.choose_templates(LIB, "ict.online_tests", tl.YOUNG_TO_SENIOR, 1, 2)
    assert ids(ranked)[:2] == ["y2s.1", "y2s.2"]


def test_the_direction_decides_before_the_level() -> None:
    ranked = tl.choose_templates(LIB, "ict.online_tests", tl.SENIOR_TO_YOUNG, 0, 3)
    assert ids(ranked)[:2] == ["s2y.1", "mut.1"]


def test_neither_strong_means_joint_study() -> None:
    assert tl.wanted_direction(tl.YOUNG_TO_SENIOR, 1, 1) == tl.MUTUAL  # gap 0
    assert tl.wanted_direction(tl.YOUNG_TO_SENIOR, 2, 1) == tl.MUTUAL  # gap < 0
    assert tl.wanted_direction(tl.YOUNG_TO_SENIOR, 0, 1) == tl.MUTUAL  # teacher only «с помощью»
    assert tl.wanted_direction(tl.YOUNG_TO_SENIOR, 0, 2) == tl.YOUNG_TO_SENIOR
    ranked = tl.choose_templates(LIB, "ict.online_tests", tl.YOUNG_TO_SENIOR, 1, 1)
    # Joint study first, then the row's own direction, the opposite one last.
    assert ids(ranked) == ["mut.1", "y2s.1", "y2s.2", "y2s.3", "s2y.1"]


def test_a_level_outside_every_range_falls_back_to_the_nearest() -> None:
    ranked = tl.choose_templates(LIB, "ict.online_tests", tl.YOUNG_TO_SENIOR, 3, 3)
    assert ranked[0].direction == tl.MUTUAL  # gap 0
    ranked = tl.choose_templates(LIB[:3], "ict.online_tests", tl.YOUNG_TO_SENIOR, 2, 3)
    assert ids(ranked)[0] == "y2s.3"  # exactly at (2, 2)
    only_beginners = [t for t in LIB if t.levels == (0, 1)]
    best = tl.choose_template(only_beginners, "ict.online_tests", tl.YOUNG_TO_SENIOR, 2, 3)
    assert best is not None and best.id == "ict.online_tests.y2s.1"  # one level away, shorter


def test_used_templates_go_after_the_unused_of_the_same_direction() -> None:
    ranked = tl.choose_templates(LIB, "ict.online_tests", tl.YOUNG_TO_SENIOR, 0, 3,
                                 used_ids={"ict.online_tests.y2s.2"})
    assert ids(ranked)[:3] == ["y2s.1", "y2s.3", "y2s.2"]
    everything = {t.id for t in LIB}
    ranked = tl.choose_templates(LIB, "ict.online_tests", tl.YOUNG_TO_SENIOR, 0, 3,
                                 used_ids=everything)
    assert ids(ranked)[0] == "y2s.2"  # all used: the order without them, never empty


def test_an_unknown_competency_has_no_template() -> None:
    assert tl.choose_templates(LIB, "legal.safety", tl.SENIOR_TO_YOUNG, 0, 3) == []
    assert tl.choose_template(LIB, "legal.safety", tl.SENIOR_TO_YOUNG, 0, 3) is None
    with pytest.raises(ValueError):
        tl.choose_templates(LIB, "ict.online_tests", "sideways", 0, 3)


def test_the_worked_example_of_the_docs() -> None:
    """docs/task-library.md: an experienced teacher at 0 in online tests, the young one at 3."""
    best = tl.choose_template(shipped(), "ict.online_tests", tl.YOUNG_TO_SENIOR, 0, 3)
    assert best is not None and best.id == "ict.online_tests.y2s.1"
    assert best.task.startswith("Вместе с партнёром собрать в Яндекс Формах")
    swap = tl.choose_template(shipped(), "ict.online_tests", tl.YOUNG_TO_SENIOR, 0, 3,
                              used_ids={best.id})
    assert swap is not None and swap.id == "ict.online_tests.y2s.3"  # the longer of two
    both_learn = tl.choose_template(shipped(), "ict.online_tests", tl.YOUNG_TO_SENIOR, 1, 1)
    assert both_learn is not None and both_learn.id == "ict.online_tests.mut.1"


# --- Durations over the term ------------------------------------------------------------

START, END = dt.date(2026, 10, 1), dt.date(2027, 4, 30)


def test_rows_that_fit_keep_their_durations_with_pauses_between() -> None:
    spans = tl.spread_over_term([2, 4, 3], START, END)  # 63 days of 211
    assert [(e - s).days for s, e in spans] == [14, 28, 21]
    assert spans[0][0] == START and spans[-1][1] == END
    assert spans[1][0] - spans[0][1] == spans[2][0] - spans[1][1] == dt.timedelta(days=74)


def test_rows_that_do_not_fit_share_the_term_in_proportion() -> None:
    start = dt.date(2026, 10, 1)
    spans = tl.spread_over_term([8, 4, 8], start, start + dt.timedelta(days=50))
    assert [(e - s).days for s, e in spans] == [20, 10, 20]
    assert spans[-1][1] == start + dt.timedelta(days=50)


def test_a_single_row_starts_the_term_and_no_rows_is_nothing() -> None:
    assert tl.spread_over_term([3], START, END) == [(START, START + dt.timedelta(days=21))]
    assert tl.spread_over_term([], START, END) == []
    with pytest.raises(ValueError):
        tl.spread_over_term([1, 1], START, START + dt.timedelta(days=1))
    with pytest.raises(ValueError):
        tl.spread_over_term([0], START, END)


@given(st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=12),
       st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=800))
def test_spans_stay_in_the_term_in_order_and_keep_the_total(weeks: list[int], extra: int,
                                                           offset: int) -> None:
    start = dt.date(2026, 9, 1) + dt.timedelta(days=offset)
    end = start + dt.timedelta(days=len(weeks) + extra)
    spans = tl.spread_over_term(weeks, start, end)
    assert len(spans) == len(weeks)
    assert spans[0][0] == start
    for (_s, e), (s2, _e2) in itertools.pairwise(spans):
        assert e <= s2
    for s, e in spans:
        assert start <= s < e <= end
    total = sum((e - s).days for s, e in spans)
    assert total == min(7 * sum(weeks), (end - start).days)
    if len(weeks) > 1 or total == (end - start).days:
        assert spans[-1][1] == end
    assert spans == tl.spread_over_term(weeks, start, end)  # deterministic


@given(st.lists(st.integers(min_value=1, max_value=8), min_size=2, max_size=8))
def test_a_short_term_is_shared_in_proportion(weeks: list[int]) -> None:
    term = 3 * len(weeks)
    spans = tl.spread_over_term(weeks, START, START + dt.timedelta(days=term))
    lengths = [(e - s).days for s, e in spans]
    spare = term - len(weeks)  # one day each, the rest in proportion (largest remainder)
    for w, length in zip(weeks, lengths, strict=True):
        assert abs(length - 1 - spare * w / sum(weeks)) < 1
    assert sum(lengths) == term


# --- The library as a table -------------------------------------------------------------

def test_the_table_round_trips_the_shipped_library() -> None:
    templates = shipped()
    table = tl.library_rows_to_table(templates)
    assert set(table[0]) == {code for code, _header in tl.TABLE_COLUMNS}
    assert tl.table_to_library(table, competencies=framework_codes()) == templates


def test_a_table_edited_in_a_spreadsheet_is_read_back() -> None:
    [row] = tl.library_rows_to_table([template("ict.online_tests.y2s.1")])
    edited = {**row, "weeks": 4.0, "level_from": "1", "level_to": 2.0, "resource_hint": None}
    blank = dict.fromkeys(row, None)
    [t] = tl.table_to_library([edited, blank])
    assert (t.weeks, t.levels, t.resource_hint) == (4, (1, 2), "")
    with pytest.raises(tl.LibraryError, match="«levels»"):
        tl.table_to_library([{**row, "level_from": "два"}])
    with pytest.raises(tl.LibraryError, match="неизвестный столбец «Задача»"):
        tl.table_to_library([{**row, "Задача": "x"}])


@given(st.lists(st.tuples(st.sampled_from(tl.DIRECTIONS),
                          st.integers(min_value=0, max_value=3),
                          st.integers(min_value=0, max_value=3),
                          st.integers(min_value=1, max_value=8),
                          st.text(alphabet="абвгд ежз", min_size=1, max_size=30)),
                max_size=10, unique_by=lambda x: " ".join(x[4].split()).casefold()))
def test_any_valid_library_round_trips(rows: list[tuple[str, int, int, int, str]]) -> None:
    templates = [
        tl.TaskTemplate(id=f"ict.x.t{i}", competency="ict.x", direction=d,
                        task=" ".join(text.split()), technology="ict_products",
                        form="joint_project", product="п", evidence="е", weeks=w,
                        levels=(min(a, b), max(a, b)))
        for i, (d, a, b, w, text) in enumerate(rows) if text.split()]
    assert tl.table_to_library(tl.library_rows_to_table(templates)) == templates
