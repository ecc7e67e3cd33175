"""Russian phrases in the cases a document needs, and quotes nested the Russian way.

A position declines by its head: «заместитель директора по учебно-воспитательной работе»
→ «заместителя директора по учебно-воспитательной работе» (accusative): the head noun and
the adjectives agreeing with it change, the dependent group after the head stays as it is.
The morphological analyser is pymorphy3 with its Russian dictionaries; it takes about half
a second to load, so it loads on first use and once per process. Names decline through
tandem.core.names (pytrovich), which knows surnames better than a dictionary does.
"""

import re
from functools import lru_cache
from typing import Any

from tandem.core.names import full_name

CASES = {"nominative": "nomn", "genitive": "gent", "dative": "datv", "accusative": "accs",
         "instrumental": "ablt", "prepositional": "loct"}
_NOUN = {"NOUN"}
_ADJECTIVE = {"ADJF", "PRTF"}
_WORD = re.compile(r"^[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*$")


@lru_cache(maxsize=1)
def analyser() -> Any:
    """The pymorphy3 analyser, loaded on first use (≈0.5 s) and kept."""
    import pymorphy3  # deferred: a page without documents never pays for the load

    return pymorphy3.MorphAnalyzer(lang="ru")


def _nominatives(word: str) -> list[Any]:
    if not _WORD.match(word):
        return []
    return [p for p in analyser().parse(word.lower()) if "nomn" in p.tag]


def _match_case(original: str, inflected: str) -> str:
    """The inflected word spelled as the original was, part by part: an abbreviation
    stays as written («ИКТ-специалиста»), a capital stays a capital («Директора»)."""
    before, after = original.split("-"), inflected.split("-")
    if len(before) != len(after):
        return inflected[:1].upper() + inflected[1:] if original[:1].isupper() else inflected
    parts = []
    for old, new in zip(before, after, strict=True):
        if old.isupper() and len(old) > 1:
            parts.append(old)
        elif old[:1].isupper():
            parts.append(new[:1].upper() + new[1:])
        else:
            parts.append(new)
    return "-".join(parts)


def _inflect(parse: Any, case: str, original: str) -> str:
    wanted = {case}
    if (case == "accs" and parse.tag.POS in _ADJECTIVE
            and (parse.tag.number == "plur" or parse.tag.gender == "masc")):
        # An adjective before an animate noun (a position is a person) takes the genitive
        # form in the masculine accusative: «старшего воспитателя» (but «старшую вожатую»).
        form = parse.inflect({case, "anim"}) or parse.inflect(wanted)
    else:
        form = parse.inflect(wanted)
    return _match_case(original, form.word) if form else original


def _agrees(adjective: Any, noun: Any) -> bool:
    if adjective.tag.number != noun.tag.number:
        return False
    return noun.tag.number == "plur" or adjective.tag.gender in (None, noun.tag.gender)


@lru_cache(maxsize=2048)
def decline_phrase(phrase: str, case: str) -> str:
    """A noun phrase (a position, «методическое объединение») in the given case.

    The leading adjectives and the first noun they agree with change; the rest (the
    dependent group: «директора по учебно-воспитательной работе», «начальных классов»)
    stays. A phrase the analyser does not recognise comes back unchanged: a document
    with a nominative is better than a document with an invented word.
    """
    target = CASES[case]
    words = phrase.split(" ")
    if target == "nomn" or not phrase.strip():
        return phrase
    out = list(words)
    adjectives: list[tuple[int, Any]] = []
    for i, word in enumerate(words):
        parses = _nominatives(word)
        if not parses:
            break
        following = _nominatives(words[i + 1]) if i + 1 < len(words) else []
        adjective = next((p for p in parses if p.tag.POS in _ADJECTIVE), None)
        noun = next((p for p in parses if p.tag.POS in _NOUN), None)
        continues = any(p.tag.POS in _NOUN | _ADJECTIVE for p in following)
        if adjective is not None and (continues or noun is None):
            adjectives.append((i, adjective))
            if not continues:  # a substantivised adjective ends the phrase: «ведущий»
                break
            continue
        if noun is None:
            break
        if adjectives and not all(_agrees(a, noun) for _, a in adjectives):
            # «исполняющий обязанности директора»: the adjective is the head on its own.
            out[adjectives[-1][0]] = _inflect(adjectives[-1][1], target, words[adjectives[-1][0]])
            adjectives = adjectives[:-1]
            break
        out[i] = _inflect(noun, target, word)
        break
    for i, parse in adjectives:
        out[i] = _inflect(parse, target, words[i])
    return " ".join(out)


def nest_quotes(text: str) -> str:
    """Quotes inside quotes the Russian way: «Дворец „Орбита“», not «Дворец «Орбита»».

    The outer level keeps the «ёлочки», every level inside it gets the „лапки“. Straight
    double quotes count as ёлочки first (opening before a word, closing after one).
    """
    text = re.sub(r'(^|[\s(«„])"', r"\1«", text)
    text = text.replace('"', "»")
    out: list[str] = []
    depth = 0
    for char in text:
        if char in "«„":
            out.append("«" if depth == 0 else "„")
            depth += 1
        elif char in "»“" and depth > 0:
            depth -= 1
            out.append("»" if depth == 0 else "“")
        else:
            out.append(char)
    return "".join(out)


def quoted(text: str) -> str:
    """The text in «» with its own quotes nested: quoted('Дворец «Орбита»')."""
    return nest_quotes(f"«{text}»")


def in_sentence(text: str) -> str:
    """A phrase written on its own («Заместитель директора») as it reads mid-sentence;
    abbreviations keep their capitals («ИКТ-специалист», «МАОУ»)."""
    first = text.split(" ", 1)[0].split("-", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def person_with_position(surname: str, name: str, patronymic: str, position: str,
                         case: str) -> str:
    """«Павлову Жанну Андреевну, заместителя директора» — the name through pytrovich, the
    position through the analyser, both in the same case."""
    person = full_name(surname, name, patronymic, case)
    if not position.strip():
        return person
    return f"{person}, {decline_phrase(in_sentence(position.strip()), case)}"


def with_number(n: int, noun: str, case: str = "nominative") -> str:
    """«5 лет», «21 год», «3 года»: the noun in the form the number asks for; ``case``
    is the case of the whole phrase, nominative or accusative («в 1 пару», «в 2 пары»,
    «в 5 пар» — only a form in agreement with 1, 21, … changes)."""
    parses = _nominatives(noun)
    word = noun
    if parses:
        agreed = parses[0].make_agree_with_number(n)
        if case != "nominative" and "sing" in agreed.tag and "nomn" in agreed.tag:
            agreed = agreed.inflect({CASES[case]}) or agreed
        word = agreed.word
    # The dictionary gives «годов», the plural of «год» as a word; counted years are «лет».
    word = _COUNTED.get(word, word)
    return f"{n} {_match_case(noun, word)}"


_COUNTED = {"годов": "лет"}
