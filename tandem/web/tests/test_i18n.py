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

# An entry of the catalogue: (context, msgid, msgid_plural); None where it has none.
Entry = tuple[str | None, str, str | None]
# A string literal as ``templatize`` writes it (``u'…'``) or a template holds it (``_("…")``).
LITERAL = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
TEMPLATE_CALL = re.compile(
    rf"\b(?P<name>npgettext|pgettext|ngettext|gettext|_)\(\s*(?P<args>{LITERAL}"
    rf"(?:\s*,\s*{LITERAL})*)")


PO_STRING = r'"(?:[^"\\]|\\.)*"\n(?:"(?:[^"\\]|\\.)*"\n)*'  # one string, maybe on lines
PO_ENTRY = re.compile(rf"^(?:msgctxt (?P<ctx>{PO_STRING}))?msgid (?P<id>{PO_STRING})"
                      rf"(?:msgid_plural (?P<plural>{PO_STRING}))?", re.M)


def _entries() -> list[Entry]:
    """Every entry of django.po but the header: its context, msgid and plural msgid (an
    entry begins at its ``msgctxt`` or ``msgid``, blank line before it or not)."""
    po = (LOCALE / "django.po").read_text(encoding="utf-8")

    def text(part: str | None) -> str | None:
        return None if part is None else _po_string(("x " + part.strip()).splitlines(), "x")

    return [(text(m["ctx"]), text(m["id"]) or "", text(m["plural"]))
            for m in PO_ENTRY.finditer(po) if text(m["id"])]


def _call(name: str, args: list[object]) -> Entry | None:
    """The entry a gettext-family call asks for (by the function's name, as ``xgettext``
    reads it: ``pgettext(context, msgid)``, ``ngettext(msgid, plural, n)``,
    ``npgettext(context, msgid, plural, n)``, ``gettext``/``_``/``…_lazy``/``…_noop``
    (msgid)), or None: its strings are not literals."""
    with_context, plural = "pgettext" in name, name.startswith("n")
    size = 1 + with_context + plural
    strings = args[:size]
    if len(strings) < size or not all(isinstance(a, str) for a in strings):
        return None
    texts = [str(a) for a in strings]
    context = texts.pop(0) if with_context else None
    return (context, texts[0], texts[1] if len(texts) > 1 else None)


def _python(source: str) -> tuple[set[str], set[Entry]]:
    """A Python file's whole string literals (adjacent ones joined, as the parser and
    ``makemessages`` read them; not the pieces of an f-string) and its gettext calls with
    literal arguments."""
    import ast

    literals: set[str] = set()
    calls: set[Entry] = set()
    asked: set[int] = set()  # the strings of a context or plural call: not plain literals
    stack: list[ast.AST] = [ast.parse(source)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.JoinedStr):  # an f-string: its pieces are not literals
            stack += [value.value for value in node.values
                      if isinstance(value, ast.FormattedValue)]
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in asked:
            literals.add(node.value)
        if isinstance(node, ast.Call):
            func = node.func
            name = (func.id if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else "")
            if name in {"_", "_lazy"} or re.fullmatch(r"n?p?gettext(_lazy|_noop)?", name):
                entry = _call(name, [a.value if isinstance(a, ast.Constant) else None
                                     for a in node.args])
                if entry is not None:
                    calls.add(entry)
                    if entry[0] is not None or entry[2] is not None:
                        # ``pgettext("ctx", "пара")`` asks for («ctx», «пара»), not for a
                        # plain «пара»: a plain entry left from before the rewording must
                        # not pass through it (review of h/smalls4).
                        asked.update(id(a) for a in node.args)
        stack.extend(ast.iter_child_nodes(node))
    return literals, calls


def _template(source: str) -> set[Entry]:
    """A template's translated strings, exactly as ``makemessages`` finds them
    (``django.utils.translation.template.templatize``: ``{% translate "…" %}`` with its
    context, ``{% blocktranslate %}`` — ``{{ x }}`` as ``%(x)s``, ``%`` as ``%%``,
    ``trimmed``, ``count`` with its ``{% plural %}``, ``context`` — and ``_("…")`` in
    tags and filters)."""
    import ast

    from django.utils.translation.template import templatize

    calls: set[Entry] = set()
    for match in TEMPLATE_CALL.finditer(templatize(source)):
        args = re.findall(LITERAL, match["args"])
        entry = _call(match["name"], [ast.literal_eval(a.removeprefix("u")) for a in args])
        if entry is not None:
            calls.add(entry)
    return calls


def _used(base: Path, wanted: list[Entry] | None = None) -> tuple[set[str], set[Entry]]:
    """The whole string literals of the Python files under ``base`` and the gettext calls
    of them and of its templates (not its tests', nor its catalogues'). ``wanted``: read
    only the files whose text holds a word of one of these entries (a package's many)."""
    probes = None if wanted is None else {
        max(re.findall(r"\w+", msgid) or [msgid], key=len) for _c, msgid, _p in wanted}
    literals: set[str] = set()
    calls: set[Entry] = set()
    for path in sorted([*base.rglob("*.py"), *base.rglob("*.html"), *base.rglob("*.txt")]):
        if {"tests", "locale"} & set(path.relative_to(base).parts):  # (not the checkout's)
            continue
        source = path.read_text(encoding="utf-8", errors="ignore")
        if probes is not None and not any(probe in source for probe in probes):
            continue
        if path.suffix == ".py":
            more, found = _python(source)
            literals |= more
            calls |= found
        else:
            calls |= _template(source)
    return literals, calls


def _unused(entries: list[Entry], literals: set[str], calls: set[Entry]) -> list[Entry]:
    """The entries not used: a plural or one with a context only as a call asks for it (its
    context, msgid and plural all alike), a plain msgid also as a whole string literal of
    the Python code (a constant handed to ``gettext`` later, a model's choices) — never
    as a piece of a longer string."""
    singular = {msgid for context, msgid, plural in calls if context is None and plural is None}
    return [entry for entry in entries if entry not in calls and not (
        entry[0] is None and entry[2] is None and (entry[1] in literals
                                                   or entry[1] in singular))]


def test_every_catalogue_entry_is_used() -> None:
    """No entry of django.po is left over from a wording the code no longer has (31 were,
    review of 2026-12-06): each msgid is a whole string literal of our code, or a string
    our templates translate — or one of a package whose strings the catalogue translates
    (the admin's, axes', auditlog's, django-tasks') — as ``makemessages`` would find it; a
    plural with its plural msgid, an entry with a context with its context. Not as a
    piece of a longer text: an unused «Отправить» passed next to a used «Отправить
    письмо» (review of h/smalls4)."""
    import importlib.util

    entries = _entries()
    assert len(entries) > 900
    left = _unused(entries, *_used(LOCALE.parents[2]))
    for spec in map(importlib.util.find_spec, VENDORS):
        if left and spec and spec.origin:
            left = _unused(left, *_used(Path(spec.origin).parent, wanted=left))
    assert left == []


@pytest.mark.parametrize(("source", "template", "found"), [
    ('x = _("Отправить письмо")', "", False),
    ('x = _("Отправить")', "", True),
    ('x = f"Отправить{y}"', "", False),
    ('x = ("Отправ"\n     "ить")', "", True),
    ("", '{% translate "Отправить письмо" %}', False),
    ("", "{% translate 'Отправить' %}", True),
    ("", "{% blocktranslate %}Отправить {{ n }}{% endblocktranslate %}", False),
    ("", "<p>Отправить</p>", False),
    ("", "{% blocktranslate trimmed %}\n  Отправить\n{% endblocktranslate %}", True),
    # A plain entry left over after its call was reworded with a context or a plural.
    ('x = pgettext("кнопка", "Отправить")', "", False),
    ('x = ngettext("Отправить", "Отправить %(n)s", n)', "", False),
])
def test_the_check_wants_a_whole_string(source: str, template: str, found: bool) -> None:
    """The used strings are whole literals and translated strings, not the text around:
    «Отправить» is not used by «Отправить письмо», nor by an f-string or a template's
    untranslated text."""
    literals, calls = _python(source) if source else (set(), set())
    entry: Entry = (None, "Отправить", None)
    assert (_unused([entry], literals, calls | _template(template)) == []) is found


@pytest.mark.parametrize(("source", "template", "found"), [
    ('ngettext("%(n)s пара", "%(n)s пар", n)', "", True),
    ('ngettext("%(n)s пара", "%(n)s пары", n)', "", False),
    ('x = ["%(n)s пара", "%(n)s пар"]', "", False),
    ("", "{% blocktranslate count n=k %}{{ n }} пара{% plural %}{{ n }} пар"
         "{% endblocktranslate %}", True),
    ('npgettext("счётчик", "%(n)s пара", "%(n)s пар", n)', "", False),
])
def test_a_plural_is_used_with_its_plural(source: str, template: str, found: bool) -> None:
    literals, calls = _python(source) if source else (set(), set())
    entry: Entry = (None, "%(n)s пара", "%(n)s пар")
    assert (_unused([entry], literals, calls | _template(template)) == []) is found


@pytest.mark.parametrize(("source", "template", "found"), [
    ('pgettext("карточка", "пара")', "", True),
    ('pgettext("счётчик", "пара")', "", False),
    ('x = "пара"', "", False),
    ("", '{% translate "пара" context "карточка" %}', True),
    ("", '{% translate "пара" %}', False),
])
def test_a_context_is_used_with_its_context(source: str, template: str, found: bool) -> None:
    literals, calls = _python(source) if source else (set(), set())
    entry: Entry = ("карточка", "пара", None)
    assert (_unused([entry], literals, calls | _template(template)) == []) is found
