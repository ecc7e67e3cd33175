"""The crawl gate of issue #15, on a small demo region: every page each persona reaches
from its home (region operator — also the trainer of the school's case sessions —,
municipal coordinator, curator, the young and the experienced teacher), at 390×844 and
1280×800, has no 4xx/5xx, no sideways scroll, no serious or critical axe-core violation
and no machine code or English word on screen. See tandem/web/tests/crawl.py.

One demo region for all personas (seeding it is the slow part); each persona is a subtest,
and its failure lists every finding as «persona @width page: rule».
"""

import time

import pytest
from django.conf import settings
from django.db import connection

from tandem.conftest import log_in
from tandem.demo.services import DemoResult, demo_region_create
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.maps.defaults import ensure_default_library
from tandem.web.tests.crawl import PERSONAS, crawl

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    # Not yet a gate (issue #15 is open). Its last full run listed: competency codes on
    # the training pages of the demo (/training/teams/<id>/map|present/, /training/cases/
    # <id>/), competency codes and organization slugs in the audit log's changes, the task
    # library's table too wide at 390 px and a code in its new-template form. It runs and
    # reports them; fix them and drop this marker.
    pytest.mark.xfail(reason="known findings on the training, audit and task library pages "
                             "(see the closing note of 2026-12-02)", strict=False),
]

# The smallest demo that still has both teachers (an experienced one needs a big enough
# «Орбита»), pairs with maps, surveys, the school's events and the case session's teams.
DEMO_PARTICIPANTS = 150


@pytest.fixture
def demo(transactional_db: None) -> DemoResult:
    # The framework and the task library come with the migrations, and a transactional
    # test before this one flushes them: without them the demo has no diagnostics, pairs
    # or library, and the training pages name deficits by their codes. Loaded here, the
    # crawl sees the same demo whatever ran before it.
    ensure_default_framework()
    ensure_default_library()
    return demo_region_create(participants=DEMO_PARTICIPANTS, seed=1)


def test_every_page_of_every_persona_passes(live_server: object, demo: DemoResult,
                                            browser: object, subtests: object) -> None:
    if connection.vendor != "sqlite":
        # What the crawl checks (layout, contrast, words on screen, status codes) does not
        # depend on the database; CI runs it once, in the SQLite pass, to stay in its time.
        pytest.skip("the page crawl runs in the SQLite pass only (CI runs both)")
    logins = {login.username for login in demo.logins}
    assert set(PERSONAS) <= logins, f"the demo has no login for {set(PERSONAS) - logins}"
    base = live_server.url  # type: ignore[attr-defined]
    for persona in PERSONAS:
        with subtests.test(persona=persona):  # type: ignore[attr-defined]
            started = time.monotonic()
            findings, visited = crawl(browser, base, persona, settings.TANDEM_DEMO_PASSWORD,
                                      log_in)
            print(f"{persona}: {len(visited)} pages in {time.monotonic() - started:.0f} s, "
                  f"{len(findings)} findings")
            assert len(visited) >= 10, f"{persona} reached only {visited}"
            assert not findings, "\n".join(str(f) for f in findings)
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
