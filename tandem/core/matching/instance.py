"""The matching instance: its JSON format (``tandem-matching/1``), parsed and validated.

``instance_from_json`` and ``instance_from_dict`` turn a document into an ``Instance``
or raise ``InstanceError`` with a Russian message that names the participant and the
field. Participants are kept in the canonical order (by id, see ``id_sort_key``), so
everything downstream is independent of the order of the input.
"""

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from tandem.core.diagnostics import MAX_LEVEL, MIN_LEVEL
from tandem.core.matching.codes import INPUT, describe

FORMAT = "tandem-matching/1"
MAX_CAPACITY = 3
MAX_PRIORITIES = 3
MAX_WEIGHT = 1000
# Integer ids are database keys: they fit a signed 64-bit integer (and Python's int-string
# limit never applies to them).
MAX_INT_ID = 2**63 - 1
# Every sum the solver forms (assignment costs, duals, totals) stays below this, so that
# float64 (BLAS, the assignment solver) and int64 are exact: see docs/matching.md, «Пределы».
ARITHMETIC_LIMIT = 2**52
MAX_NESTING = 64

ParticipantId = str | int
MeetingFormat = Literal["online", "offline", "any"]
Scope = Literal["organization", "municipality", "region"]
MEETING_FORMATS: tuple[MeetingFormat, ...] = ("online", "offline", "any")
SCOPES: tuple[Scope, ...] = ("organization", "municipality", "region")

# Messages: module constants, so that tests and the CLI can name them.
MALFORMED_JSON = "Файл не является корректным JSON: {detail} (строка {line}, столбец {column})."
TOO_DEEP = ("Файл не является допустимым экземпляром: вложенность JSON глубже {limit} "
            "уровней.")
NUMBER_TOO_LONG = ("Файл не является допустимым экземпляром: в нём число длиннее {digits} "
                   "цифр.")
ID_OUT_OF_RANGE = ("{where}: поле «{field}» — целое вне допустимого диапазона "
                   "(по модулю не больше 2^63 − 1), получено: {value}.")
TOO_LARGE = ("Веса слишком велики для точной арифметики: наибольший возможный вес пары "
             "{top} × суммарная ёмкость {capacity} = {product} ≥ 2^52. Уменьшите веса "
             "или число компетенций.")
NOT_AN_OBJECT = "{where}: ожидался JSON-объект, получено: {value}."
WRONG_FORMAT = "Поле «format» должно быть «" + FORMAT + "», получено: {value}."
MISSING_FIELD = "{where}: нет обязательного поля «{field}»."
UNKNOWN_FIELD = "{where}: неизвестное поле «{field}»."
WRONG_TYPE = "{where}: поле «{field}» должно быть {expected}, получено: {value}."
EMPTY_LIST = "{where}: список «{field}» пуст."
DUPLICATE_COMPETENCY = "Компетенция «{code}» описана дважды."
DUPLICATE_ID = "Участник {id}: такой id встречается дважды."
UNKNOWN_COMPETENCY = "Участник {id}: неизвестный код компетенции «{code}» в поле «{field}»."
LEVEL_OUT_OF_RANGE = ("Участник {id}: уровень по компетенции «{code}» должен быть целым "
                      f"от {MIN_LEVEL} до {MAX_LEVEL}, получено: {{value}}.")
CAPACITY_OUT_OF_RANGE = ("Участник {id}: «capacity» должна быть целым от 1 до 3, "
                         "получено: {value}.")
TOO_MANY_PRIORITIES = ("Участник {id}: в «priorities» не больше трёх компетенций, "
                       "получено {count}.")
REPEATED_CODE = "Участник {id}: компетенция «{code}» повторяется в поле «{field}»."
BAD_MEETING_FORMAT = ("Участник {id}: «meeting_format» должно быть online, offline или any, "
                      "получено: {value}.")
OWN_MANAGER = "Участник {id} указан руководителем самого себя (поле «line_manager»)."
BAD_SCOPE = ("Ограничения: «scope» должно быть organization, municipality или region, "
             "получено: {value}.")
BAD_PAIR = "{kind} пара №{index}: ожидалась пара id [a, b], получено: {value}."
PAIR_UNKNOWN_MEMBER = "{kind} пара {a} — {b}: участника {id} нет в списке участников."
PAIR_WITH_ITSELF = "{kind} пара {a} — {b}: участник не может быть в паре сам с собой."
PAIR_REPEATED = "{kind} пара {a} — {b} указана дважды."
LOCKED_AND_FORBIDDEN = "Пара {a} — {b} одновременно закреплена и запрещена."
LOCKED_OUT_OF_SCOPE = ("Закреплённая пара {a} — {b} выходит за границы подбора "
                       "(scope = {scope}): {detail}.")
LOCKED_REPORTING_LINE = ("Закреплённая пара {a} — {b}: {manager} — непосредственный "
                         "руководитель {subordinate}, а пары внутри линии подчинения "
                         "запрещены (no_reporting_line).")
LOCKED_FORMATS = ("Закреплённая пара {a} — {b}: форматы встреч несовместимы "
                  "({detail}).")
LOCKED_OVER_CAPACITY = ("Участник {id} закреплён в {count} парах, а его «capacity» — "
                        "{capacity}.")
BAD_WEIGHT = "Веса: «{field}» {rule}, получено: {value}."

LOCKED = "Закреплённая"
FORBIDDEN = "Запрещённая"


class InstanceError(ValueError):
    """Bad input, with a message for a person (Russian, names the participant and field).

    Refusals added since the codes table (``codes.INPUT``) also carry ``code`` and
    ``params``, so that the application can word them itself; ``message`` is then the
    table's Russian default."""

    def __init__(self, message: str, code: str | None = None,
                 params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = dict(params or {})

    @classmethod
    def coded(cls, code: str, **params: object) -> "InstanceError":
        return cls(describe(INPUT, code, params), code, params)


@dataclass(frozen=True, slots=True)
class Competency:
    code: str
    area: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Participant:
    """One teacher as the diagnostics saw them.

    ``levels`` may omit a competency: it was not assessed (see ``scoring``). Lists are
    stored as sorted tuples; ``priorities`` keeps the participant's order.
    """

    id: ParticipantId
    organization: str
    municipality: str
    line_manager: ParticipantId | None = None
    levels: Mapping[str, int] = field(default_factory=dict)
    can_teach: tuple[str, ...] = ()
    wants_to_learn: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    meeting_format: MeetingFormat = "any"
    capacity: int = 1


@dataclass(frozen=True, slots=True)
class Constraints:
    locked: tuple[tuple[ParticipantId, ParticipantId], ...] = ()
    forbidden: tuple[tuple[ParticipantId, ParticipantId], ...] = ()
    scope: Scope = "organization"
    no_reporting_line: bool = True
    reciprocity_required: bool = True


@dataclass(frozen=True, slots=True)
class Weights:
    """Integer scoring weights; docs/matching.md, «Оценка пары», explains each."""

    level_gain: tuple[int, int, int] = (2, 4, 6)
    priority_bonus: tuple[int, int, int] = (6, 4, 2)
    wants_to_learn_bonus: int = 1
    balance: int = 1


@dataclass(frozen=True, slots=True)
class Instance:
    competencies: tuple[Competency, ...]
    participants: tuple[Participant, ...]
    constraints: Constraints = Constraints()
    weights: Weights = Weights()

    def index(self) -> dict[ParticipantId, int]:
        """Canonical position of each id. O(N)."""
        return {p.id: k for k, p in enumerate(self.participants)}

    def ids(self) -> dict[str, ParticipantId]:
        """The participant's own id for each ``id_key``: how outside references (a result
        being verified, a curator's pair) are normalised. O(N)."""
        return {id_key(p.id): p.id for p in self.participants}


def id_key(pid: ParticipantId) -> str:
    """The id rule: ``7`` and ``"7"`` are one id. Ids are compared only through this key
    (at the input boundary); inside an ``Instance`` every reference is already the
    participant's own id, so plain ``==`` is right there."""
    return pid if isinstance(pid, str) else str(pid)


def max_pair_weight(competencies: int, weights: "Weights") -> int:
    """An upper bound on any pair's weight: every lesson at its largest points, both ways,
    plus the balance term. O(1)."""
    one_way = ((max(weights.level_gain) + weights.wants_to_learn_bonus) * competencies
               + sum(weights.priority_bonus))
    return one_way * (2 + weights.balance)


def id_sort_key(pid: ParticipantId) -> tuple[int, int, str]:
    """Canonical order of ids: integers by value first, then strings by code point."""
    if isinstance(pid, int):
        return (0, pid, "")
    return (1, 0, pid)


def pair_key(a: ParticipantId, b: ParticipantId) -> tuple[ParticipantId, ParticipantId]:
    """The pair with its members in canonical order."""
    return (a, b) if id_sort_key(a) <= id_sort_key(b) else (b, a)


Obstacle = Literal["scope", "reporting_line", "meeting_format"]


def pair_obstacle(a: Participant, b: Participant, constraints: Constraints) -> Obstacle | None:
    """Why ``a`` and ``b`` may not form a pair whatever their skills, or None. O(1).

    Forbidden pairs are checked apart (they are a list, not a rule). Meeting formats:
    «offline» and «online» never meet; two «offline» people meet only in one municipality;
    «any» meets anyone (we assume they can travel or go online).
    """
    if constraints.scope == "organization" and a.organization != b.organization:
        return "scope"
    if constraints.scope == "municipality" and a.municipality != b.municipality:
        return "scope"
    if constraints.no_reporting_line and (a.line_manager == b.id or b.line_manager == a.id):
        return "reporting_line"
    formats = {a.meeting_format, b.meeting_format}
    if formats == {"offline", "online"}:
        return "meeting_format"
    if formats == {"offline"} and a.municipality != b.municipality:
        return "meeting_format"
    return None


def instance_from_json(text: str | bytes) -> Instance:
    """Parses and validates a JSON document. O(N·C + L) for N participants, C competencies."""
    return instance_from_dict(load_json(text))


def load_json(text: str | bytes) -> object:
    """``json.loads`` that turns every way a file can be malformed into ``InstanceError``:
    syntax, encoding, nesting deeper than ``MAX_NESTING`` (checked before parsing, so the
    decoder never recurses 100,000 levels deep) and integers past Python's int-string
    limit. O(length)."""
    if _nesting(text) > MAX_NESTING:
        raise InstanceError(TOO_DEEP.format(limit=MAX_NESTING))
    try:
        document = json.loads(text, object_pairs_hook=_object_pairs,
                              parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InstanceError(MALFORMED_JSON.format(
            detail=error.msg, line=error.lineno, column=error.colno)) from None
    except UnicodeDecodeError as error:
        raise InstanceError(MALFORMED_JSON.format(
            detail=f"не UTF-8 ({error.reason})", line=1, column=error.start + 1)) from None
    except RecursionError:
        raise InstanceError(TOO_DEEP.format(limit=MAX_NESTING)) from None
    except InstanceError:
        raise
    except ValueError:
        # The only other ValueError of json.loads: an integer past sys.get_int_max_str_digits.
        raise InstanceError(NUMBER_TOO_LONG.format(digits=_int_digits())) from None
    if _SURROGATE_ESCAPE.search(text if isinstance(text, bytes) else text.encode(
            "utf-8", "surrogatepass")):
        _refuse_lone_surrogates(document)
    return document


class _RepeatedKeys(dict[str, Any]):
    """A JSON object in which some key was written more than once (``json.loads`` would
    keep the last value silently); the readers refuse it naming the place and the key."""

    repeated: str = ""


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked = _RepeatedKeys(obj)
    marked.repeated = next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return marked


def _refuse_constant(name: str) -> None:
    # NaN, Infinity and -Infinity: Python's json reads them, JSON has no such numbers.
    raise InstanceError.coded("json_constant", value=name)


# A \uD800–\uDFFF escape: the only way a decoded string can hold a surrogate (which no
# UTF-8 output can carry). Surrogate pairs are fine; a lone one is refused.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(value: object) -> None:
    """Walks the decoded document (depth ≤ MAX_NESTING) only when an escape was seen."""
    strings: Iterable[object]
    if isinstance(value, dict):
        strings = [*value, *value.values()]
    elif isinstance(value, list):
        strings = value
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            shown = value.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            raise InstanceError.coded("lone_surrogate", value=shown[:60]) from None
        return
    else:
        return
    for item in strings:
        _refuse_lone_surrogates(item)


def _int_digits() -> int:
    import sys
    return sys.get_int_max_str_digits() or 4300


def _nesting(text: str | bytes) -> int:
    """Deepest bracket nesting, outside strings. O(length) with bytes.translate: a scan in
    C over the brackets, quotes and backslashes only."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") <= MAX_NESTING:
        return 0
    kept = raw.translate(None, bytes(set(range(256)) - set(b'[]{}"\\')))
    depth = deepest = 0
    in_string = escaped = False
    for byte in kept:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                return deepest
        else:
            depth -= 1
    return deepest


def managers_within(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every ``line_manager`` who is not among its participants set to
    null. For whoever builds instances from a wider directory (the application: a
    director who took no questionnaire) and for documents stored before such a reference
    was refused; a manager outside the instance can be in no pair of it, so the result is
    the same. O(N)."""
    people = document.get("participants")
    if not isinstance(people, list):
        return document
    ids = {id_key(p["id"]) for p in people if isinstance(p, dict) and _is_id(p.get("id"))}

    def inside(p: object) -> object:
        # Only a well-formed reference to nobody is dropped; a malformed one stays to be
        # refused.
        if not isinstance(p, dict) or not _well_formed_id(p.get("line_manager")):
            return p
        return p if id_key(p["line_manager"]) in ids else {**p, "line_manager": None}

    return {**document, "participants": [inside(p) for p in people]}


def instance_from_dict(document: object) -> Instance:
    """Validates a decoded document; raises ``InstanceError`` on the first problem found."""
    root = _object(document, "Экземпляр")
    _only(root, "Экземпляр", {"format", "competencies", "participants", "constraints",
                              "weights"})
    if root.get("format") != FORMAT:
        raise InstanceError(WRONG_FORMAT.format(value=_value(root.get("format"))))
    competencies = _competencies(root)
    codes = {c.code for c in competencies}
    participants = _participants(root, codes)
    by_id = {p.id: p for p in participants}
    ids = {id_key(p.id): p.id for p in participants}
    constraints = _constraints(root.get("constraints", {}), ids)
    weights = _weights(root.get("weights", {}))
    top = max_pair_weight(len(competencies), weights)
    capacity = max(1, sum(p.capacity for p in participants))
    if top * capacity >= ARITHMETIC_LIMIT:
        raise InstanceError(TOO_LARGE.format(top=top, capacity=capacity,
                                             product=top * capacity))
    instance = Instance(competencies, participants, constraints, weights)
    _check_locked(instance, by_id)
    return instance


def _competencies(root: dict[str, Any]) -> tuple[Competency, ...]:
    raw = _list(root, "competencies", "Экземпляр", required=True)
    if not raw:
        raise InstanceError(EMPTY_LIST.format(where="Экземпляр", field="competencies"))
    result = []
    for number, item in enumerate(raw, start=1):
        where = f"Компетенция №{number}"
        obj = _object(item, where)
        _only(obj, where, {"code", "area", "title"})
        code = _string(obj, "code", where)
        result.append(Competency(code, _string(obj, "area", where),
                                 _string(obj, "title", where, default="")))
    repeated = [c for c, k in Counter(c.code for c in result).items() if k > 1]
    if repeated:
        raise InstanceError(DUPLICATE_COMPETENCY.format(code=repeated[0]))
    return tuple(result)


_PARTICIPANT_FIELDS = {"id", "organization", "municipality", "line_manager", "levels",
                       "can_teach", "wants_to_learn", "priorities", "meeting_format",
                       "capacity"}


def _participants(root: dict[str, Any], codes: set[str]) -> tuple[Participant, ...]:
    raw = _list(root, "participants", "Экземпляр", required=True)
    result = [_participant(item, number, codes) for number, item in enumerate(raw, start=1)]
    ids: dict[str, ParticipantId] = {}
    for p in result:
        # 7 and "7" would be the same person to a curator reading the result.
        if id_key(p.id) in ids:
            raise InstanceError(DUPLICATE_ID.format(id=_show(p.id)))
        ids[id_key(p.id)] = p.id
    for p in result:
        if p.line_manager is not None and id_key(p.line_manager) == id_key(p.id):
            raise InstanceError(OWN_MANAGER.format(id=_show(p.id)))
        if p.line_manager is not None and id_key(p.line_manager) not in ids:
            # A typo here would silently switch the reporting-line rule off for this person.
            raise InstanceError.coded("unknown_manager", id=_show(p.id),
                                      manager=_show(p.line_manager))
    # The id rule, applied once: a manager given as "7" for participant 7 becomes 7, so
    # that everything downstream compares ids with plain ==.
    normalised = [p if p.line_manager is None else
                  replace(p, line_manager=ids[id_key(p.line_manager)]) for p in result]
    return tuple(sorted(normalised, key=lambda p: id_sort_key(p.id)))


def _participant(item: object, number: int, codes: set[str]) -> Participant:
    obj = _object(item, f"Участник №{number}", repeats=False)
    if "id" not in obj:
        raise InstanceError(MISSING_FIELD.format(where=f"Участник №{number}", field="id"))
    pid = _id(obj["id"], f"Участник №{number}", "id")
    where = f"Участник {_show(pid)}"
    _no_repeats(obj, where)
    _only(obj, where, _PARTICIPANT_FIELDS)
    manager = obj.get("line_manager")
    levels = _levels(obj, pid, codes)
    can_teach = _codes(obj, "can_teach", pid, codes)
    wants = _codes(obj, "wants_to_learn", pid, codes)
    priorities = _codes(obj, "priorities", pid, codes)
    if len(priorities) > MAX_PRIORITIES:
        raise InstanceError(TOO_MANY_PRIORITIES.format(id=_show(pid), count=len(priorities)))
    meeting = obj.get("meeting_format", "any")
    if meeting not in MEETING_FORMATS:
        raise InstanceError(BAD_MEETING_FORMAT.format(id=_show(pid), value=_value(meeting)))
    capacity = obj.get("capacity", 1)
    if not _is_int(capacity) or not 1 <= capacity <= MAX_CAPACITY:
        raise InstanceError(CAPACITY_OUT_OF_RANGE.format(id=_show(pid), value=_value(capacity)))
    return Participant(
        id=pid,
        organization=_string(obj, "organization", where),
        municipality=_string(obj, "municipality", where),
        line_manager=None if manager is None else _id(manager, where, "line_manager"),
        levels=levels,
        can_teach=tuple(sorted(can_teach)),
        wants_to_learn=tuple(sorted(wants)),
        priorities=tuple(priorities),
        meeting_format=cast(MeetingFormat, meeting),
        capacity=capacity,
    )


def _levels(obj: dict[str, Any], pid: ParticipantId, codes: set[str]) -> dict[str, int]:
    raw = obj.get("levels", {})
    if not isinstance(raw, dict):
        raise InstanceError(WRONG_TYPE.format(where=f"Участник {_show(pid)}", field="levels",
                                              expected="объектом {код: уровень}",
                                              value=_value(raw)))
    if isinstance(raw, _RepeatedKeys):
        raise InstanceError(REPEATED_CODE.format(id=_show(pid), code=raw.repeated,
                                                 field="levels"))
    for code, level in raw.items():
        if code not in codes:
            raise InstanceError(UNKNOWN_COMPETENCY.format(id=_show(pid), code=code,
                                                          field="levels"))
        if not _is_int(level) or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise InstanceError(LEVEL_OUT_OF_RANGE.format(id=_show(pid), code=code,
                                                          value=_value(level)))
    return {code: raw[code] for code in sorted(raw)}


def _codes(obj: dict[str, Any], name: str, pid: ParticipantId, codes: set[str]) -> list[str]:
    where = f"Участник {_show(pid)}"
    raw = _list(obj, name, where)
    for code in raw:
        if not isinstance(code, str):
            raise InstanceError(WRONG_TYPE.format(where=where, field=name,
                                                  expected="списком кодов компетенций",
                                                  value=_value(raw)))
        if code not in codes:
            raise InstanceError(UNKNOWN_COMPETENCY.format(id=_show(pid), code=code, field=name))
    repeated = [c for c, k in Counter(raw).items() if k > 1]
    if repeated:
        raise InstanceError(REPEATED_CODE.format(id=_show(pid), code=repeated[0], field=name))
    return list(raw)


def _constraints(raw: object, ids: Mapping[str, ParticipantId]) -> Constraints:
    obj = _object(raw, "Ограничения")
    _only(obj, "Ограничения", {"locked", "forbidden", "scope", "no_reporting_line",
                                 "reciprocity_required"})
    scope = obj.get("scope", "organization")
    if scope not in SCOPES:
        raise InstanceError(BAD_SCOPE.format(value=_value(scope)))
    locked = _pairs(obj, "locked", LOCKED, ids)
    forbidden = _pairs(obj, "forbidden", FORBIDDEN, ids)
    both = set(locked) & set(forbidden)
    if both:
        a, b = min(both, key=lambda p: (id_sort_key(p[0]), id_sort_key(p[1])))
        raise InstanceError(LOCKED_AND_FORBIDDEN.format(a=_show(a), b=_show(b)))
    return Constraints(locked=locked, forbidden=forbidden, scope=cast(Scope, scope),
                       no_reporting_line=_bool(obj, "no_reporting_line", True),
                       reciprocity_required=_bool(obj, "reciprocity_required", True))


def _pairs(obj: dict[str, Any], name: str, kind: str,
           ids: Mapping[str, ParticipantId]) -> tuple[tuple[ParticipantId, ParticipantId],
                                                     ...]:
    result: list[tuple[ParticipantId, ParticipantId]] = []
    seen: set[tuple[ParticipantId, ParticipantId]] = set()
    for number, item in enumerate(_list(obj, name, "Ограничения"), start=1):
        if (not isinstance(item, list) or len(item) != 2
                or not all(_is_id(x) for x in item)):
            raise InstanceError(BAD_PAIR.format(kind=kind, index=number, value=_value(item)))
        for pid in item:
            _id(pid, f"{kind} пара №{number}", "id")
            if id_key(pid) not in ids:
                raise InstanceError(PAIR_UNKNOWN_MEMBER.format(
                    kind=kind, a=_show(item[0]), b=_show(item[1]), id=_show(pid)))
        a, b = ids[id_key(item[0])], ids[id_key(item[1])]
        if a == b:
            raise InstanceError(PAIR_WITH_ITSELF.format(kind=kind, a=_show(a), b=_show(b)))
        key = pair_key(a, b)
        if key in seen:
            raise InstanceError(PAIR_REPEATED.format(kind=kind, a=_show(a), b=_show(b)))
        seen.add(key)
        result.append(key)
    return tuple(sorted(result, key=lambda p: (id_sort_key(p[0]), id_sort_key(p[1]))))


def _weights(raw: object) -> Weights:
    obj = _object(raw, "Веса")
    _only(obj, "Веса", {"level_gain", "priority_bonus", "wants_to_learn_bonus", "balance"})
    default = Weights()
    gain = _triple(obj, "level_gain", default.level_gain, minimum=1)
    if list(gain) != sorted(gain):
        raise InstanceError(BAD_WEIGHT.format(field="level_gain", value=_value(list(gain)),
                                              rule="не должны убывать с разницей уровней"))
    return Weights(level_gain=gain,
                   priority_bonus=_triple(obj, "priority_bonus", default.priority_bonus,
                                          minimum=0),
                   wants_to_learn_bonus=_weight(obj, "wants_to_learn_bonus",
                                                default.wants_to_learn_bonus),
                   balance=_weight(obj, "balance", default.balance))


def _triple(obj: dict[str, Any], name: str, default: tuple[int, int, int],
            minimum: int) -> tuple[int, int, int]:
    value = obj.get(name, list(default))
    if (not isinstance(value, list) or len(value) != 3
            or not all(_is_int(x) and minimum <= x <= MAX_WEIGHT for x in value)):
        raise InstanceError(BAD_WEIGHT.format(
            field=name, value=_value(value),
            rule=f"— три целых числа от {minimum} до {MAX_WEIGHT}"))
    return (value[0], value[1], value[2])


def _weight(obj: dict[str, Any], name: str, default: int) -> int:
    value = obj.get(name, default)
    if not _is_int(value) or not 0 <= value <= MAX_WEIGHT:
        raise InstanceError(BAD_WEIGHT.format(field=name, value=_value(value),
                                              rule=f"— целое число от 0 до {MAX_WEIGHT}"))
    return cast(int, value)


def _check_locked(instance: Instance, by_id: Mapping[ParticipantId, Participant]) -> None:
    """A locked pair must satisfy every constraint except reciprocity (see docs)."""
    counts: Counter[ParticipantId] = Counter()
    for a, b in instance.constraints.locked:
        pa, pb = by_id[a], by_id[b]
        obstacle = pair_obstacle(pa, pb, instance.constraints)
        if obstacle is not None:
            raise InstanceError(_locked_message(pa, pb, obstacle, instance.constraints))
        counts.update((a, b))
    for pid in sorted(counts, key=id_sort_key):
        if counts[pid] > by_id[pid].capacity:
            raise InstanceError(LOCKED_OVER_CAPACITY.format(
                id=_show(pid), count=counts[pid], capacity=by_id[pid].capacity))


def _locked_message(a: Participant, b: Participant, obstacle: str,
                    constraints: Constraints) -> str:
    sa, sb = _show(a.id), _show(b.id)
    if obstacle == "scope":
        if constraints.scope == "organization":
            detail = f"разные организации ({a.organization} и {b.organization})"
        else:
            detail = f"разные муниципалитеты ({a.municipality} и {b.municipality})"
        return LOCKED_OUT_OF_SCOPE.format(a=sa, b=sb, scope=constraints.scope, detail=detail)
    if obstacle == "reporting_line":
        manager, subordinate = (a, b) if b.line_manager == a.id else (b, a)
        return LOCKED_REPORTING_LINE.format(a=sa, b=sb, manager=_show(manager.id),
                                            subordinate=_show(subordinate.id))
    if a.meeting_format != b.meeting_format:
        detail = f"{sa}: {a.meeting_format}, {sb}: {b.meeting_format}"
    else:
        detail = (f"оба только offline, но из разных муниципалитетов: "
                  f"{a.municipality} и {b.municipality}")
    return LOCKED_FORMATS.format(a=sa, b=sb, detail=detail)


# Small typed readers. Each raises InstanceError naming where the problem is.

def _show(value: object) -> str:
    """An id or a code as people write it, without quotes."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _value(value: object) -> str:
    """A wrong value as it stands in the file, so that "3" and 3 look different; an
    integer too long to print or a structure too deep is described, not printed."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except ValueError:
        return "целое число из тысяч цифр"
    except RecursionError:
        return "слишком глубоко вложенное значение"
    return text if len(text) <= 200 else text[:200] + "…"


def _is_int(value: object) -> bool:
    # JSON true/false decode to bool, which Python counts as int.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: object) -> bool:
    return (_is_int(value) or isinstance(value, str)) and value != ""


def _well_formed_id(value: object) -> bool:
    try:
        _id(value, "", "")
    except InstanceError:
        return False
    return True


def _id(value: object, where: str, name: str) -> ParticipantId:
    if not _is_id(value):
        raise InstanceError(WRONG_TYPE.format(where=where, field=name,
                                              expected="непустой строкой или целым числом",
                                              value=_value(value)))
    if _is_int(value) and not -MAX_INT_ID <= cast(int, value) <= MAX_INT_ID:
        raise InstanceError(ID_OUT_OF_RANGE.format(where=where, field=name,
                                                   value=_value(value)))
    if isinstance(value, str) and value.strip() != value:
        # " 7" would print like 7 and still be another person; "  " is no one.
        raise InstanceError.coded("blank_id", where=where, field=name, value=_value(value))
    return cast(ParticipantId, value)


def _object(value: object, where: str, repeats: bool = True) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InstanceError(NOT_AN_OBJECT.format(where=where, value=_value(value)))
    if repeats:
        _no_repeats(value, where)
    return value


def _no_repeats(obj: dict[str, Any], where: str) -> None:
    if isinstance(obj, _RepeatedKeys):
        raise InstanceError.coded("repeated_field", where=where, field=obj.repeated)


def _only(obj: dict[str, Any], where: str, allowed: Iterable[str]) -> None:
    extra = sorted(set(obj) - set(allowed))
    if extra:
        raise InstanceError(UNKNOWN_FIELD.format(where=where, field=extra[0]))


def _list(obj: dict[str, Any], name: str, where: str, required: bool = False) -> list[Any]:
    if name not in obj:
        if required:
            raise InstanceError(MISSING_FIELD.format(where=where, field=name))
        return []
    value = obj[name]
    if not isinstance(value, list):
        raise InstanceError(WRONG_TYPE.format(where=where, field=name, expected="списком",
                                              value=_value(value)))
    return value


def _string(obj: dict[str, Any], name: str, where: str, default: str | None = None) -> str:
    if name not in obj:
        if default is not None:
            return default
        raise InstanceError(MISSING_FIELD.format(where=where, field=name))
    value = obj[name]
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise InstanceError(WRONG_TYPE.format(where=where, field=name,
                                              expected="непустой строкой", value=_value(value)))
    return value


def _bool(obj: dict[str, Any], name: str, default: bool) -> bool:
    value = obj.get(name, default)
    if not isinstance(value, bool):
        raise InstanceError(WRONG_TYPE.format(where="Ограничения", field=name,
                                              expected="true или false", value=_value(value)))
    return value


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """The JSON document of an instance (inverse of ``instance_from_dict``)."""
    c = instance.constraints
    w = instance.weights
    return {
        "format": FORMAT,
        "competencies": [{"code": k.code, "area": k.area, **({"title": k.title}
                                                             if k.title else {})}
                         for k in instance.competencies],
        "participants": [{
            "id": p.id, "organization": p.organization, "municipality": p.municipality,
            "line_manager": p.line_manager, "levels": dict(p.levels),
            "can_teach": list(p.can_teach), "wants_to_learn": list(p.wants_to_learn),
            "priorities": list(p.priorities), "meeting_format": p.meeting_format,
            "capacity": p.capacity,
        } for p in instance.participants],
        "constraints": {"locked": [list(x) for x in c.locked],
                        "forbidden": [list(x) for x in c.forbidden],
                        "scope": c.scope, "no_reporting_line": c.no_reporting_line,
                        "reciprocity_required": c.reciprocity_required},
        "weights": {"level_gain": list(w.level_gain), "priority_bonus": list(w.priority_bonus),
                    "wants_to_learn_bonus": w.wants_to_learn_bonus, "balance": w.balance},
    }
