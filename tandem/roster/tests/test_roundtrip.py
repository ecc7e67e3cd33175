"""Properties: what the export writes, the import reads back as «без изменений»; the cell
formats are inverses of each other."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.directory.selectors import ParticipantFilters, participant_list
from tandem.people.models import AgeBand, Participant
from tandem.roster import export, fileformat
from tandem.roster.imports import UNCHANGED, check_roster
from tandem.testing import World

CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
# The largest experience each band allows (the participant form's rule).
MAX_FOR_BAND = {"u25": 9, "25-34": 18, "35-44": 28, "45-54": 38, "55-64": 48, "65+": 60}


def _trimmed(alphabet: st.SearchStrategy[str] | str, *, min_size: int,
             max_size: int) -> st.SearchStrategy[str]:
    text = st.text(alphabet, min_size=min_size, max_size=max_size).map(str.strip)
    return text.filter(bool) if min_size else text


names = _trimmed(CYRILLIC + " -", min_size=1, max_size=30)
# Anything a person may type, and often what a spreadsheet takes for a formula.
_typed = _trimmed(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                  min_size=0, max_size=40)
free_text = st.one_of(_typed, st.builds(lambda start, rest: (start + rest).strip(),
                                        st.sampled_from(["=", "+", "-", "@", "'", "'=", "''"]),
                                        _typed))
phones = st.one_of(st.just(""), st.from_regex(r"\+7 9\d\d \d\d\d-\d\d-\d\d", fullmatch=True),
                   st.from_regex(r"8\d{10}", fullmatch=True), free_text.map(lambda t: t[:30]))
dates = st.one_of(st.none(), st.dates(min_value=dt.date(2000, 1, 1),
                                      max_value=dt.date(2025, 12, 31)))


@st.composite
def people(draw: st.DrawFn) -> dict[str, object]:
    band = draw(st.sampled_from(AgeBand.values))
    return {
        "surname": draw(names), "name": draw(names),
        "patronymic": draw(st.one_of(st.just(""), names)),
        "position": draw(free_text.filter(bool).map(lambda t: t[:200])),
        "subject": draw(free_text), "building": draw(free_text.map(lambda t: t[:200])),
        "phone": draw(phones),
        "experience_years": draw(st.integers(0, MAX_FOR_BAND[band])), "age_band": band,
        "mentoring_consent_date": draw(dates), "personal_data_consent_date": draw(dates),
        "in_b": draw(st.booleans()),
    }


@pytest.mark.slow
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(roster=st.lists(people(), min_size=1, max_size=6), as_xlsx=st.booleans(),
       who=st.sampled_from(["alice", "olga"]))
def test_an_exported_roster_imports_back_unchanged(world: World, roster: list[dict[str, object]],
                                                   as_xlsx: bool, who: str) -> None:
    user = getattr(world, who)
    with transaction.atomic():
        for i, fields in enumerate(roster):
            organization = world.org_b if fields.pop("in_b") else world.org_a
            Participant.objects.create(organization=organization,
                                       email=f"roundtrip{i}@example.org", **fields)
        scope = scope_for(user)
        people_shown = participant_list(scope=scope, filters=ParticipantFilters())
        rows = export.roster_rows(people_shown)
        content = export.render_xlsx(rows) if as_xlsx else export.render_csv(rows)
        report = check_roster(content=content, filename="r.xlsx" if as_xlsx else "r.csv",
                              scope=scope)
        assert report.ok, report.errors
        assert len(report.rows) == people_shown.count()
        assert {r.status for r in report.rows} == {UNCHANGED}, [
            (r.who, r.changes) for r in report.rows if r.status != UNCHANGED]
        transaction.set_rollback(True)


@given(st.text(st.characters(codec="utf-8")))
def test_the_formula_guard_is_undone(text: str) -> None:
    escaped = fileformat.escape_text(text)
    assert fileformat.unescape_text(escaped) == text
    if text[:1] in ("=", "@"):
        assert escaped.startswith("'")


@given(st.dates(min_value=dt.date(1900, 1, 1)))
def test_dates_read_back(day: dt.date) -> None:
    assert fileformat.parse_date(fileformat.format_date(day)) == day
    assert fileformat.parse_date(day.isoformat()) == day
    assert fileformat.parse_date(f"{day.isoformat()} 00:00:00") == day  # an XLSX date cell


@given(st.sampled_from(AgeBand.values), st.sampled_from(["-", "–", "—", " – "]),
       st.sampled_from([str.lower, str.upper, str]))
def test_age_bands_read_by_label_or_code(code: str, dash: str,
                                         case: "type[str] | object") -> None:
    label = str(AgeBand(code).label).replace("–", dash)
    assert fileformat.parse_age_band(case(label)) == code  # type: ignore[operator]
    assert fileformat.parse_age_band(case(code)) == code  # type: ignore[operator]


def test_a_consent_date_today_is_not_in_the_future(world: World) -> None:
    from tandem.roster.tests.files import person, roster_csv

    today = timezone.localdate().strftime("%d.%m.%Y")
    report = check_roster(content=roster_csv([person(**{
        "Согласие на наставничество (дата)": today})]), filename="r.csv",
        scope=scope_for(world.alice))
    assert report.ok, report.errors
