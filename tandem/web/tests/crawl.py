"""The crawl gate of issue #15: every page a persona can reach from its home, checked in a
real browser at a phone's and a desktop's width.

A page fails on: a 4xx/5xx answer (the page or anything it loads from the site), sideways
scroll (``scrollWidth > innerWidth``), an axe-core violation of impact serious or critical,
or a machine code or English word in its visible text (:func:`text_findings`).

The crawl is a breadth-first walk over same-origin links, GET only (forms are never
submitted), in the order the links stand on the page, so it is deterministic: at most
:data:`PER_SHAPE` pages of one shape (the path with its numbers taken out and the names of
its query parameters) and :data:`PAGES_PER_PERSONA` pages in all. Used by
tandem/web/tests/test_browser_crawl.py; can be pointed at a running demo by hand:

    python -c "from tandem.web.tests.crawl import main; main('http://127.0.0.1:8000')"
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

PAGES_PER_PERSONA = 40
PER_SHAPE = 1
# A walk inside one section looks at two pages of each kind: the first of a list is often
# the one with nothing under it yet (an upcoming event has no teams; a past one has).
PER_SHAPE_IN_SECTION = 2
VIEWPORTS = ((390, 844), (1280, 800))
SERIOUS = {"serious", "critical"}

# Links the crawl does not follow: leaving, files, machine formats, the admin, API docs.
SKIP_PATH = re.compile(
    r"(/logout|/download|/export|\.(ics|pdf|docx|xlsx|csv|json|zip|png|svg)$"
    r"|^/admin/|^/api/(?!token/)|^/static/|^/media/|/ics/|/pdf/|/docx/|/xlsx/|/csv/|/json/)")
SKIP_QUERY = {"format", "download", "export"}

# Latin words that are legitimately on screen: product and service names, formats and
# abbreviations that Russian texts use as they are.
ALLOWED_LATIN = {
    "google", "id", "vk", "telegram", "zoom", "moodle", "stepik", "canva", "padlet",
    "miro", "microsoft", "office", "word", "excel", "powerpoint", "teams", "forms",
    "docs", "drive", "classroom", "sferum", "whatsapp", "youtube", "rutube", "skype",
    "pdf", "docx", "xlsx", "csv", "json", "ics", "api", "qr", "url", "html", "it",
    "e-mail", "email", "ok", "wi-fi", "lms", "svg", "png", "pro", "online",
    "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii",
    "mentor", "tandem", "openapi", "rest", "argon", "utc", "dpo", "utf", "windows",
}
MACHINE_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")  # ict.office_cloud, is_active
LITERALS = re.compile(r"\b(None|True|False|nan|null|undefined)\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\b(?:https?://|www\.)\S+|(?<![\w.])/[\w/.-]*[\w/]"
                 r"|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|org|com|net|su|рф|info|io)\b")
FILE_NAME = re.compile(r"\b[\w.-]+\.(?:pdf|docx|xlsx|csv|json|ics|png|jpe?g|txt|zip|odt|pptx?)\b",
                       re.IGNORECASE)
LATIN_WORD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][A-Za-z-]*")  # not the «D» of «3D»


def text_findings(text: str) -> list[str]:
    """What in a page's visible text is not for people: machine codes (``ict.office_cloud``,
    ``mentoring_consent``), Python literals (``None``, ``True``) and English words, each
    named once. E-mail addresses, links, file names and the Latin words of
    :data:`ALLOWED_LATIN` are fine."""
    found: list[str] = []
    cleaned = FILE_NAME.sub(" ", URL.sub(" ", EMAIL.sub(" ", text)))
    for m in MACHINE_CODE.finditer(cleaned):
        found.append(f"машинный код «{m.group(0)}»")
    for m in LITERALS.finditer(cleaned):
        found.append(f"служебное значение «{m.group(0)}»")
    cleaned = MACHINE_CODE.sub(" ", LITERALS.sub(" ", cleaned))
    for m in LATIN_WORD.finditer(cleaned):
        word = m.group(0).strip("-")
        if word and word.lower() not in ALLOWED_LATIN and not _is_latin_in_russian_word(cleaned, m):
            found.append(f"английское слово «{word}»")
    return list(dict.fromkeys(found))


def _is_latin_in_russian_word(text: str, m: re.Match[str]) -> bool:
    """«IT-специалист», «QR-код»: a Latin part glued to a Cyrillic word by a hyphen is an
    abbreviation; the word before the hyphen is judged by the allow-list alone."""
    return m.group(0).lower().rstrip("-") in ALLOWED_LATIN


def section(path_and_query: str) -> str:
    """``/training/teams/3/map/`` → ``training``: the part of the product a page is in."""
    return urlsplit(path_and_query).path.strip("/").split("/")[0]


def _next_page(queue: list[str], per_section: dict[str, int]) -> str:
    """Takes from ``queue`` the first page of the section visited least so far: every part
    of the product gets its share of the page budget, so the deep pages of a section
    (a team's map three links below «Кейсовое обучение») are reached whatever the size of
    the others; deterministic, since the queue keeps the links' order."""
    best = min(range(len(queue)), key=lambda i: (per_section.get(section(queue[i]), 0), i))
    return queue.pop(best)


def shape(path_and_query: str) -> str:
    """``/maps/12/rows/3/?page=2`` → ``/maps/#/rows/#/?page``: pages of one kind."""
    parts = urlsplit(path_and_query)
    path = re.sub(r"/\d+(?=/|$)", "/#", parts.path)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def normalize(href: str, base: str) -> str | None:
    """The same-origin path and query of a link the crawl may follow, else None."""
    if not href.startswith(base):
        return None
    url, _fragment = urldefrag(href)
    parts = urlsplit(url)
    path = parts.path or "/"
    if SKIP_PATH.search(path):
        return None
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k in SKIP_QUERY for k, _v in query):
        return None
    return path + ("?" + urlencode(query) if query else "")


@dataclass(frozen=True)
class Finding:
    persona: str
    width: int
    page: str
    rule: str

    def __str__(self) -> str:
        return f"{self.persona} @{self.width}px {self.page}: {self.rule}"


# The text a person sees: the body's rendered text, without what is marked as not to be
# translated (an API key, a code to type) and without the closed dropdowns' insides
# (innerText leaves those out by itself).
VISIBLE_TEXT_JS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[translate="no"], script, style, noscript, template')
    .forEach(e => e.remove());
  document.body.appendChild(body); body.style.position = 'absolute'; body.style.left = '-99999px';
  const text = body.innerText; body.remove(); return text;
}"""
OVERFLOW_JS = """() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= window.innerWidth) return null;
  const out = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 0.5
                 && !e.closest('.table-wrap, .table-scroll, .chart, [data-scrolls]'))
    .slice(0, 4).map(e => e.tagName.toLowerCase()
                          + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));
  return [document.documentElement.scrollWidth, out];
}"""


def check_page(page: Any, axe: Any, persona: str, width: int, path: str, base: str,
               then: Iterable[tuple[int, int]] = ()) -> tuple[list[Finding], list[str]]:
    """Visits ``path`` in ``page`` (whose viewport is ``width`` wide) and returns its
    findings and the links on it (in page order). With ``then`` (more viewports), the same
    load is checked again at each of them, the page resized in place: the CSS media
    queries apply as on a fresh load at that width, and loading each page once per width
    doubled the crawl's time."""
    failed: list[str] = []

    def on_response(response: Any) -> None:
        if response.url.startswith(base) and response.status >= 400:
            failed.append(f"{response.status} {response.url[len(base):]}")

    page.on("response", on_response)
    try:
        response = page.goto(base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
    except Exception as error:  # a link that turned out to be a file, not a page
        if "Download is starting" in str(error):
            return [], []
        raise
    finally:
        page.remove_listener("response", on_response)
    findings: list[Finding] = []

    def add(width: int, rule: str) -> None:
        findings.append(Finding(persona, width, path, rule))

    if response is None or response.status >= 400:
        add(width, f"ответ {response.status if response else 'нет'}")
        return findings, []
    for item in dict.fromkeys(failed):
        add(width, f"запрос страницы: {item}")
    for at, tall in [(width, 0), *then]:
        if tall:
            page.set_viewport_size({"width": at, "height": tall})
            # The resize is applied when the page next lays out: wait for the new width.
            page.wait_for_function("w => window.innerWidth === w", arg=at)
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow:
            add(at, f"прокрутка вбок: ширина {overflow[0]} > {at}; "
                       f"торчат {', '.join(overflow[1])}")
        results = axe.run(page, options={"resultTypes": ["violations"]})
        for v in results.response.get("violations", []):
            if v.get("impact") in SERIOUS:
                targets = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list) else
                                    str(n["target"]) for n in v["nodes"][:3])
                add(at, f"axe {v['id']} ({v['impact']}): {targets}")
        for item in text_findings(page.evaluate(VISIBLE_TEXT_JS)):
            add(at, item)
    links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    return findings, links


def crawl(browser: Any, base: str, persona: str, password: str,
          log_in: Any, start: str = "/") -> tuple[list[Finding], list[str]]:
    """Crawls from ``persona``'s home at both widths; (findings, the paths visited).

    With another ``start`` (a section's home, such as the trainer's «/training/») the
    walk stays inside that section, :data:`PER_SHAPE_IN_SECTION` pages of a kind: its deep
    pages get the whole page budget."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    # One context and one page for both widths: each page is loaded once and checked at
    # each width in turn (check_page).
    width, height = VIEWPORTS[0]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
    page = context.new_page()
    log_in(page, base, persona, password)
    findings: list[Finding] = []
    queue: list[str] = [start]
    seen: set[str] = {start}
    per_shape: dict[str, int] = {}
    per_section: dict[str, int] = {}
    visited: list[str] = []
    try:
        while queue and len(visited) < PAGES_PER_PERSONA:
            path = _next_page(queue, per_section)
            per_section[section(path)] = per_section.get(section(path), 0) + 1
            visited.append(path)
            page.set_viewport_size({"width": width, "height": height})
            found, links = check_page(page, axe, persona, width, path, base,
                                      then=VIEWPORTS[1:])
            findings.extend(found)
            for href in links:
                target = normalize(href, base)
                if target is None or target in seen or not target.startswith(start):
                    continue
                seen.add(target)
                kind = shape(target)
                if per_shape.get(kind, 0) >= (PER_SHAPE if start == "/" else PER_SHAPE_IN_SECTION):
                    continue
                per_shape[kind] = per_shape.get(kind, 0) + 1
                queue.append(target)
    finally:
        context.close()
    return findings, visited


PERSONAS = ("region", "coord-prirechensk", "curator-orbita", "teacher-young",
            "teacher-senior")
# The region operator also trains the school's case sessions: as the trainer, the walk
# starts at «Кейсовое обучение» and stays there (events, teams' maps, the projector view,
# cases, scores), which the operator's own walk does not reach within its budget.
TRAINER = ("region", "/training/")


def crawl_all(browser: Any, base: str, password: str, log_in: Any,
              personas: Iterable[str] = PERSONAS) -> dict[str, tuple[list[Finding], list[str]]]:
    return {p: crawl(browser, base, p, password, log_in) for p in personas}


def main(base: str, personas: Iterable[str] = PERSONAS,
         password: str = "tandem-demo-2026") -> None:  # noqa: S107 (the demo's password)
    """Crawls a running demo and prints the findings (for working on them by hand)."""
    import django
    from playwright.sync_api import sync_playwright

    django.setup()
    from tandem.conftest import CHROMIUM, CHROMIUM_ARGS, log_in

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        for persona in personas:
            findings, visited = crawl(browser, base, persona, password, log_in)
            print(f"== {persona}: {len(visited)} pages, {len(findings)} findings", flush=True)
            for f in findings:
                print("  ", f, flush=True)
        browser.close()
