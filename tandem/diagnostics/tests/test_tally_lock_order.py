"""A bulk request's questionnaires lock the figures' rows in the order a rebuild takes
them (issue #16 review): no deadlock between two bulk requests, or one and the job."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.access.scope import scope_for
from tandem.api.services import ResultInput, diagnostic_results_save
from tandem.diagnostics.services import AnswerInput
from tandem.testing import World, build_diagnostics


def test_bulk_api_locks_state_before_municipality(world: World) -> None:
    diag = build_diagnostics(world)
    codes = diag.campaign_a.framework.codes()
    with CaptureQueriesContext(connection) as queries:
        diagnostic_results_save(
            campaign=diag.campaign_a, scope=scope_for(world.olga),
            results=[ResultInput(participant_id=world.alice_p.pk,
                                 answers=[(c, AnswerInput(2)) for c in codes],
                                 submit=True)])
    sql = [q["sql"] for q in queries.captured_queries]
    # The rows are locked in a rebuild's order (municipalities first, then the states):
    # two bulk requests, or one and the job, never wait on each other in a circle.
    # The lock statements (FOR UPDATE on PostgreSQL; the same SELECT on SQLite).
    state = next(i for i, s in enumerate(sql)
                 if s.startswith('SELECT "diagnostics_tallystate"."organization_id" AS "pk"'))
    municipality = next(i for i, s in enumerate(sql)
                        if s.startswith('SELECT "territory_municipality"."id" AS "pk"'))
    # _rebuild_locked's order (docs): municipalities first, then the states.
    assert municipality < state, (state, municipality, sql[state], sql[municipality])
