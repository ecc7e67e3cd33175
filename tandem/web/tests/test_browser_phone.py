"""The main pages of each persona on a phone (390×844), named rather than crawled: the
crawl gate (test_browser_crawl.py) reaches what its page budget lets it from the home;
this test opens the same list for every persona — home, participants, a person's card,
pairs, a pair, its map, diagnostics, monitoring, surveys, resources, programmes, the
school of mentors, training, notifications, the account — and asserts that

- the page does not scroll sideways (``scrollWidth <= innerWidth``), and
- no organization's name with «№» («СОШ № 5») is shown with a plain space after the
  sign, where a narrow screen may wrap it away from its number (``|number_kept``).

A page the persona may not open (403) or that is not there for it (404) is left out; each
persona must reach at least :data:`AT_LEAST` pages. One demo region for all personas;
each persona is a subtest, its failure listing every finding.
"""

import re

import pytest
from django.conf import settings
from django.db import connection

from tandem.conftest import log_in
from tandem.demo.services import DemoResult, demo_region_create
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.maps.defaults import ensure_default_library
from tandem.territory.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_PARTICIPANTS = 150
PHONE = {"width": 390, "height": 844}
PERSONAS = ("region", "federal", "coord-prirechensk", "curator-orbita", "curator-school-5",
            "teacher-young")
PAGES = ("/", "/participants/", "/pairs/", "/diagnostics/", "/diagnostics/my/",
         "/monitoring/", "/surveys/", "/surveys/results/", "/resources/", "/programmes/",
         "/school/", "/training/", "/notifications/", "/accounts/password/change/",
         "/organizations/")
# The first page of a kind linked from a list: (the list, the link's path); the map is
# linked from the pair's page.
FIRST_OF = (("/pairs/", r"/pairs/\d+/"), ("the pair", r"/maps/\d+/"),
            ("/participants/", r"/participants/\d+/"), ("/diagnostics/", r"/diagnostics/\d+/"),
            ("/programmes/", r"/programmes/\d+/"), ("/school/", r"/school/\d+/"),
            ("/surveys/", r"/surveys/\d+/"), ("/training/", r"/training/events/\d+/"),
            ("/resources/", r"/resources/\d+/"))
AT_LEAST = 6

OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
# The page's text as written, without the insides of dropdowns (an option never wraps)
# and of what is not shown as text.
TEXT_JS = """() => {
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), out = [];
  while (walk.nextNode()) {
    const node = walk.currentNode;
    if (!node.parentElement.closest('select, datalist, script, style, template, textarea'))
      out.push(node.data);
  }
  return out.join('\\n');
}"""


@pytest.fixture
def demo(transactional_db: None) -> DemoResult:
    if connection.vendor != "sqlite":
        # Layout does not depend on the database; as the crawl, once, in the SQLite pass —
        # skipped before the demo is seeded (≈ 20 s in the PostgreSQL pass).
        pytest.skip("the phone pages run in the SQLite pass only (CI runs both)")
    # As the crawl's fixture: a transactional test before this one flushes the framework
    # and the library that come with the migrations.
    ensure_default_framework()
    ensure_default_library()
    return demo_region_create(participants=DEMO_PARTICIPANTS, seed=1)


def _first_links(page: object, base: str) -> list[str]:
    found: list[str] = []
    for source, pattern in FIRST_OF:
        if source == "the pair":
            pairs = [f for f in found if re.fullmatch(r"/pairs/\d+/", f)]
            if not pairs:
                continue
            source = pairs[0]
        response = page.goto(base + source)  # type: ignore[attr-defined]
        if response is None or response.status >= 400:
            continue
        hrefs = page.eval_on_selector_all(  # type: ignore[attr-defined]
            "a[href]", "as => as.map(a => a.getAttribute('href'))")
        link = next((h for h in hrefs if re.fullmatch(pattern, h.split("?")[0])), None)
        if link and link not in found:
            found.append(link)
    return found


def test_main_pages_fit_a_phone(live_server: object, demo: DemoResult, browser: object,
                                subtests: object) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    names = [name for pair in Organization.objects.values_list("short_name", "name")
             for name in pair if re.search(r"№ +\d", name)]
    assert names, "the demo has no organization named with «№»"
    split = re.compile("|".join(re.escape(n) for n in names))
    for persona in PERSONAS:
        with subtests.test(persona=persona):  # type: ignore[attr-defined]
            context = browser.new_context(viewport=PHONE, locale="ru-RU")  # type: ignore[attr-defined]
            page = context.new_page()
            log_in(page, base, persona, settings.TANDEM_DEMO_PASSWORD)
            findings: list[str] = []
            opened: list[str] = []
            try:
                for path in [*PAGES, *_first_links(page, base)]:
                    response = page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    if response is None or response.status in (403, 404):
                        continue
                    opened.append(path)
                    if response.status >= 400:
                        findings.append(f"{path}: ответ {response.status}")
                        continue
                    if (wider := page.evaluate(OVERFLOW_JS)) > 0:
                        findings.append(f"{path}: прокрутка вбок на {wider} px")
                    for m in dict.fromkeys(split.findall(page.evaluate(TEXT_JS))):
                        findings.append(f"{path}: «{m}» может разорваться после «№»")
            finally:
                context.close()
            print(f"{persona}: {len(opened)} pages: {' '.join(opened)}")
            assert len(opened) >= AT_LEAST, f"{persona} opened only {opened}"
            assert not findings, "\n".join(findings)
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
