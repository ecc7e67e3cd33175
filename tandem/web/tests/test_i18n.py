"""The Russian catalogue: source strings are Russian; the catalogue adds plural forms."""

import gettext
import re
from pathlib import Path

import pytest
from django.utils.translation import ngettext, npgettext, override

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ru" / "LC_MESSAGES"
PLURAL_ENTRY = re.compile(
    r'(?:msgctxt "(?P<ctx>[^"]*)"\n)?msgid "(?P<one>[^"]*)"\nmsgid_plural "(?P<many>[^"]*)"\n'
    r'(?P<forms>(?:msgstr\[\d\] "[^"]*"\n?)+)')


def _plural_entries() -> list[tuple[str | None, str, str, list[str]]]:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    return [(m["ctx"], m["one"], m["many"], re.findall(r'msgstr\[\d\] "([^"]*)"', m["forms"]))
            for m in PLURAL_ENTRY.finditer(po)]


def test_every_plural_has_all_russian_forms() -> None:
    entries = _plural_entries()
    assert entries
    for _ctx, one, _many, forms in entries:
        assert len(forms) == 4 and all(forms), f"fill all plural forms of {one!r}"


def test_compiled_catalogue_matches_the_source() -> None:
    with (LOCALE / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    for ctx, one, many, forms in _plural_entries():
        for n, form in ((1, forms[0]), (3, forms[1]), (5, forms[2])):
            got = mo.npgettext(ctx, one, many, n) if ctx else mo.ngettext(one, many, n)
            assert got == form, "run `tandem compilemessages` after editing django.po"


def _po_string(lines: list[str], key: str) -> str | None:
    """The (possibly multi-line) string of ``key`` in one catalogue block, unescaped."""
    parts: list[str] = []
    inside = False
    for line in lines:
        if line.startswith(key + " "):
            inside = True
            line = line[len(key) + 1:]
        elif not line.startswith('"'):
            inside = False
            continue
        if inside:
            parts.append(line.strip()[1:-1])
    if not parts:
        return None
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[0]), "".join(parts))


def test_every_translated_string_is_compiled() -> None:
    """Each translated singular entry of django.po answers from django.mo (not only the
    plurals): a msgid added to the catalogue and not compiled stays English on the page
    (the admin's «Task Results», review of 2026-12-05)."""
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    with (LOCALE / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    checked = 0
    for block in po.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if any(line.startswith("#, fuzzy") or line.startswith("msgid_plural")
               for line in lines):
            continue
        msgid, msgstr = _po_string(lines, "msgid"), _po_string(lines, "msgstr")
        if not msgid or not msgstr:
            continue
        ctx = _po_string(lines, "msgctxt")
        got = mo.pgettext(ctx, msgid) if ctx else mo.gettext(msgid)
        assert got == msgstr, f"run `tandem compilemessages` after editing django.po: {msgid!r}"
        checked += 1
    assert checked > 10


@pytest.mark.parametrize(("n", "expected"), [
    (1, "Найден 1 участник"), (2, "Найдено 2 участника"), (5, "Найдено 5 участников"),
    (11, "Найдено 11 участников"), (21, "Найден 21 участник"), (43, "Найдено 43 участника"),
])
def test_russian_plurals(n: int, expected: str) -> None:
    with override("ru"):
        text = ngettext("Найден %(n)s участник", "Найдено участников: %(n)s", n) % {"n": n}
    assert text == expected


def test_context_plurals() -> None:
    with override("ru"):
        assert npgettext("счётчик", "организация", "организаций", 3) == "организации"


VENDORS = ("django", "axes", "auditlog", "django_tasks_db")  # their strings we translate


def _texts(base: Path, *, python_constants: bool) -> tuple[set[str], str]:
    """The string constants of the Python files under ``base`` (adjacent literals joined, as
    ``makemessages`` reads them; or, for ``python_constants=False``, their raw text) and the
    text of its templates — raw and with ``{{ x }}`` as ``%(x)s`` (``blocktranslate``), runs
    of spaces as one (``trimmed``), ``%`` as ``%%`` (a literal percent sign in a msgid)."""
    import ast

    constants: set[str] = set()
    texts: list[str] = []
    for path in sorted(base.rglob("*.py")):
        if {"tests", "locale"} & set(path.relative_to(base).parts):  # (not the checkout's)
            continue
        source = path.read_text(encoding="utf-8", errors="ignore")
        if python_constants:
            constants |= {node.value for node in ast.walk(ast.parse(source))
                          if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        else:
            texts.append(source)
    for path in sorted([*base.rglob("*.html"), *base.rglob("*.txt")]):
        if {"tests", "locale"} & set(path.relative_to(base).parts):  # (not the checkout's)
            continue
        raw = path.read_text(encoding="utf-8", errors="ignore")
        for text in (raw, raw.replace("%", "%%")):
            blocks = re.sub(r"\{\{\s*(\w+)[^}]*\}\}", r"%(\1)s", text)
            texts += [text, re.sub(r"\s+", " ", blocks)]
    return constants, "\n".join(texts)


def test_every_catalogue_entry_is_used() -> None:
    """No entry of django.po is left over from a wording the code no longer has (31 were,
    review of 2026-12-06): each msgid is a string of our code or templates — or of a
    package whose strings the catalogue translates (the admin's, axes', auditlog's,
    django-tasks') — as ``makemessages`` would find it."""
    import importlib.util

    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    found = [_po_string(m[0].splitlines(), "msgid")
             for m in re.finditer(r'^msgid ".*"\n(?:".*"\n)*', po, re.M)]
    msgids = [m for m in found if m]
    constants, ours = _texts(LOCALE.parents[2], python_constants=True)
    vendor = "\n".join(
        _texts(Path(spec.origin).parent, python_constants=False)[1]
        for spec in map(importlib.util.find_spec, VENDORS) if spec and spec.origin)
    left_over = [m for m in msgids
                 if m not in constants and m not in ours
                 and re.sub(r"\s+", " ", m) not in ours and m not in vendor]
    assert len(msgids) > 900
    assert left_over == []
