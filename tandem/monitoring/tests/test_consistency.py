"""Issue 12 item 4: on generated regions, every figure shown in more than one place — the
dashboard's cards and charts' data, the XLSX sheets, the data of the PDF summary, the API's
/api/v1/monitoring/ — is the same number, for every unit and period."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils.translation import npgettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.monitoring import reports, selectors
from tandem.monitoring.cards import key_figures
from tandem.monitoring.effectiveness import by_organization, unit_summary
from tandem.monitoring.tests import sheets
from tandem.monitoring.tests.test_effectiveness import grow
from tandem.pairs.models import Pair
from tandem.testing import OrganizationFactory, World

PERIODS = [Filters(), Filters(date_from=dt.date(2026, 11, 1)),
           Filters(date_to=dt.date(2026, 11, 15))]


def _rows(table: reports.Table) -> list[dict[str, object]]:
    sheet = sheets.read(reports.render_xlsx(table))
    return [dict(zip(sheet.header, r, strict=True)) for r in sheet.rows]


def _api(client: Client, f: Filters) -> Any:
    query = {k: v.isoformat() for k, v in (("date_from", f.date_from), ("date_to", f.date_to))
             if v is not None}
    response = client.get("/api/v1/monitoring/summary/", query)
    assert response.status_code == 200, response.content
    return response.json()


def _check(client: Client, persona: object, f: Filters) -> None:
    scope = scope_for(persona)
    cache.clear()
    data = selectors.dashboard_data(scope=scope, filters=f)
    s = data.summary
    assert s is not None
    fresh = unit_summary(scope=scope, filters=f)
    # cards and charts' data of the dashboard
    assert sum(data.pair_status.values()) == s.pairs_total == fresh.pairs_total
    assert data.pair_status[Pair.Status.ACTIVE] == s.pairs_active
    cards, _levels = key_figures(data)
    pairs_label = npgettext("карточка", "пара", "пар", s.pairs_total)
    assert {"value": s.pairs_total} .items() <= next(c for c in cards
                                                     if c["label"] == pairs_label).items()
    # the PDF summary is made of the same data
    pdf = reports.summary(scope=scope, filters=f).data
    assert pdf.summary == s and pdf.pair_status == data.pair_status
    # the XLSX sheets
    pairs = _rows(reports.pairs_table(scope=scope, filters=f))
    assert len(pairs) == s.pairs_total
    assert sum(r["Задач в карте"] for r in pairs) == s.tasks_planned  # type: ignore[misc]
    assert sum(r["Выполнено"] for r in pairs) == s.tasks_done  # type: ignore[misc]
    assert sum(r["Просрочено"] for r in pairs) == s.tasks_overdue  # type: ignore[misc]
    assert sum(r["Встреч проведено"] for r in pairs) == s.meetings_held  # type: ignore[misc]
    assert sum(r["Встреч по плану"] for r in pairs) == s.meetings_planned  # type: ignore[misc]
    effect = _rows(reports.effectiveness_table(scope=scope, filters=f))
    assert len(effect) == 2 * s.pairs_total
    assert sum(r["Выполнено"] for r in effect) == s.tasks_done  # type: ignore[misc]
    assert sum(r["Просрочено"] for r in effect) == s.tasks_overdue  # type: ignore[misc]
    assert sum(r["Закрыто"] for r in effect) == s.deficits_closed  # type: ignore[misc]
    surveys = _rows(reports.surveys_table(scope=scope, filters=f))
    assert data.satisfaction is not None
    for stage in data.satisfaction.stages:
        for m in stage.measures:
            [row] = [r for r in surveys if r["Опрос"] == stage.label and r["Вопрос"] == m.label]
            assert row["Ответов в показателе"] == m.n
            assert row["Среднее (1–10)"] == (m.mean if m.mean is not None
                                              else row["Среднее (1–10)"])
            assert (m.mean is None) == str(row["Среднее (1–10)"]).startswith("скрыто")
    # the API
    api = _api(client, f)
    assert api["pairs"]["total"] == s.pairs_total
    assert api["tasks"] == {"planned": s.tasks_planned, "done": s.tasks_done,
                            "overdue": s.tasks_overdue, "done_share": s.done_share}
    assert api["meetings"]["held"] == s.meetings_held
    assert api["meetings"]["planned"] == s.meetings_planned
    assert api["satisfaction"]["mentee_benefit"]["mean"] == s.mentee_satisfaction.mean
    overall = data.satisfaction.overall["mentee_benefit"]
    assert (s.mentee_satisfaction.mean, s.mentee_satisfaction.answers) == (
        overall.mean, overall.answers)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 6), pool=st.integers(0, 3))
def test_every_figure_is_the_same_number_everywhere(client: Client, world: World, seed: int,
                                                    n: int, pool: int) -> None:
    with transaction.atomic():
        second = OrganizationFactory.create(municipality=world.municipality_a)
        grow(world, n, seed)
        grow(world, n, seed + 1, organization=second)
        # municipal-pool pairs: A's member from the first school, B's from the second
        a_people = list(world.org_a.participants.order_by("-pk")[:pool])
        b_people = list(second.participants.order_by("-pk")[:pool])
        for a, b in zip(a_people, b_people, strict=False):
            Pair.objects.create(a=a, b=b, organization=world.org_a, status="active",
                                starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 5, 31))
        for persona in (world.alice, world.erin, world.olga):
            client.force_login(persona)
            for f in PERIODS:
                _check(client, persona, f)
        # the municipality's breakdown by owner adds up to its total by member
        for f in PERIODS:
            lines = by_organization(scope=scope_for(world.erin), filters=f)
            total = unit_summary(scope=scope_for(world.erin), filters=f)
            assert sum(o.counts["pairs_total"] for o in lines) == total.pairs_total
            assert sum(o.counts["tasks_done"] for o in lines) == total.tasks_done
            assert sum(o.counts["meetings_held"] for o in lines) == total.meetings_held
        transaction.set_rollback(True)
