"""The release rule for satisfaction figures: what may be published so that no answer of a
group of one or two people can be read off, nor derived by subtracting one published figure
from another (docs/surveys.md, «Правило публикации»); the same rule for the levels before /
after by competency area, over cells (organization, final round) — at the end. Pure
Python, no Django.

The rule:

1. **Cells.** Every submitted answer falls in exactly one cell: (the respondent's
   organization, the academic year it was submitted in, the survey stage). Cells partition
   the answers: a person works in one organization, an answer has one date and one stage.
2. **Small cells are never counted.** A cell takes part in a figure of a question only when
   at least ``MIN_PEOPLE`` different people answered that question in it. A smaller cell is
   left out of **every** figure — its organization's, its municipality's, the region's.
3. **Figures are unions of whole cells.** Any published figure (a unit, a sector, a stage or
   both stages, one or several whole academic years) is the mean over the answers of the
   counted cells it covers; an arbitrary date window is widened to the whole academic years
   it touches (:func:`tandem.core.periods.snap_to_academic_years`). A figure with no
   counted cell is withheld. Means are rounded to ``DECIMALS`` decimals.

Why it resists differencing: two figures are two unions of counted cells, so the answers in
which they differ are again whole counted cells, each holding answers of at least three
different people. Subtracting one published sum from another therefore never isolates fewer
than three people — whatever the windows, units, sectors or stages asked for, and however a
coordinator combines the figures of the organizations under them. (A parent total is always
exactly the sum of its published children, so it adds nothing to subtract.)
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MIN_PEOPLE = 3
DECIMALS = 1


@dataclass(frozen=True)
class Cell:
    """One question's answers in one cell: their sum and count, and how many different
    people gave them."""

    key: Hashable  # (organization, academic year, stage)
    total: int
    answers: int
    people: int


def enough(people: int, min_people: int = MIN_PEOPLE) -> bool:
    """The rule's threshold: a cell of ``people`` different people may enter figures."""
    return people >= min_people


def counted(cell: Cell, min_people: int = MIN_PEOPLE) -> bool:
    """A cell enters figures only with answers of at least ``min_people`` people."""
    return enough(cell.people, min_people) and cell.answers > 0


@dataclass(frozen=True)
class Released:
    """A published figure: the rounded mean (None: withheld), the answers and the cells
    behind it, and how many answers were left out with small cells. ``cells``: the keys
    of the counted cells when the figure was made from the cells themselves
    (:func:`release`); empty when it was made from their sums (:func:`released`)."""

    mean: float | None
    answers: int
    cells: frozenset[Hashable]
    left_out: int = 0

    @property
    def withheld(self) -> bool:
        return self.mean is None

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # A cached dashboard holds a figure per unit and area, both shares: 3,402 of them
        # for a coordinator of 243 organizations. Pickled as a dataclass (its field names
        # and an empty frozenset each), they took a third of the cached page's unpickling
        # time; as their values, the empty and zero trailing ones left out, half as long
        # (docs/performance.md, «h/slowpages»).
        if self.left_out:
            return _released, (self.mean, self.answers, self.cells, self.left_out)
        if self.cells:
            return _released, (self.mean, self.answers, self.cells)
        return _released, (self.mean, self.answers)


_NO_CELLS: frozenset[Hashable] = frozenset()


def _released(mean: float | None, answers: int, cells: frozenset[Hashable] = _NO_CELLS,
              left_out: int = 0) -> Released:
    """A :class:`Released` from its pickled values, without the frozen dataclass's
    ``__init__`` (an ``object.__setattr__`` per field)."""
    figure = object.__new__(Released)
    figure.__dict__.update(mean=mean, answers=answers, cells=cells, left_out=left_out)
    return figure


@dataclass(frozen=True)
class Sums:
    """What a figure needs of the cells it covers, summed: the total and the answers of
    the counted ones, the answers of the others. Sums of two sets of cells add up (a
    cell is counted or not by itself), so a database may sum them per group — given
    :func:`counted` as its condition (``tandem.surveys.selectors.counted_q``)."""

    total: int = 0
    answers: int = 0
    left_out: int = 0

    def __add__(self, other: "Sums") -> "Sums":
        return Sums(self.total + other.total, self.answers + other.answers,
                    self.left_out + other.left_out)


def summed(cells: Iterable[Cell], min_people: int = MIN_PEOPLE) -> Sums:
    """The :class:`Sums` of ``cells``: counted cells' total and answers, the others'
    answers left out."""
    total = answers = left_out = 0
    for cell in cells:
        if counted(cell, min_people):
            total += cell.total
            answers += cell.answers
        else:
            left_out += cell.answers
    return Sums(total, answers, left_out)


def released(sums: Sums, decimals: int = DECIMALS,
             cells: Iterable[Hashable] = ()) -> Released:
    """The figure of these sums: the rounded mean of the counted answers; with none, the
    mean is withheld."""
    mean = round(sums.total / sums.answers, decimals) if sums.answers else None
    return Released(mean, sums.answers, frozenset(cells), sums.left_out)


def release(cells: Iterable[Cell], min_people: int = MIN_PEOPLE,
            decimals: int = DECIMALS) -> Released:
    """The figure over ``cells`` (all cells the request covers): only counted cells enter
    it; with none, the mean is withheld."""
    cells = list(cells)
    return released(summed(cells, min_people), decimals,
                    cells=[c.key for c in cells if counted(c, min_people)])


# -- before / after by competency area (docs/monitoring.md, «Правило публикации «до / после»»)
# The same rule over other cells: (organization, final round). Its people are those who
# submitted the final round as their latest of its baseline, and the baseline (so each
# person's baseline levels are in one cell at most); a cell of fewer than ``MIN_PEOPLE``
# of them enters no figure (its levels are not summed anywhere, its people are counted as
# left out). Inside a counted cell a competency's levels enter only when at least
# ``MIN_PEOPLE`` people gave a level to it both before and after (one level per person
# and competency in a questionnaire: the counts are people) — a level left blank by all
# but one or two must not publish theirs (:func:`level_counted`). A figure is the means
# over the counted cells and competencies it covers, one with none is withheld.
#
# Time, too: a figure is published only when its final round is **closed** (it takes no
# answer, no import, no reopened questionnaire, and its baseline takes none either —
# ``tandem.diagnostics.services``). While a round is open — whatever its dates — each
# submission would change a published figure by one person's levels (the same request
# before and after), so an open round is *pending*: none of its cells enters a figure
# (:func:`round_published`; its query twin ``tandem.diagnostics.models.gain_published_q``).
# Reopening a closed round makes it pending again; what changed while it was open is
# published at the next closing only when at least ``MIN_PEOPLE`` people's levels in a
# cell changed (rule 5, :func:`republish`: ``tandem.diagnostics.tallies._publish``). The
# people left out go with their cell: a round's first closing publishes each cell of it, a
# small one too (its people left out); from then on a cell — and so its left-out people —
# moves only by rule 5, and one never published (no one in it at the first closing) is
# counted nowhere, not even as left out, until ``MIN_PEOPLE`` people publish it: else one
# answer after a reopening moved the left-out count by one.
GAIN_DECIMALS = 2  # levels 0–3: a tenth would hide most gains


def round_published(closed: bool) -> bool:
    """A final round's cells may enter figures: the round is closed (open — pending,
    whatever its planned end)."""
    return closed


def final_blocked_by(finals: Iterable[tuple[Any, bool, Any]], changed: Any) -> Any:
    """Finals of one baseline as (order, closed, name) — order as a person's cell is chosen:
    a person counts in the **latest** final of the baseline they submitted (ends later;
    same end: created later — ``tallies._latest_finals``). A submission in an open final
    later than a closed one would move a person out of the closed round's published
    figure, so no open final comes after a closed one: finals of a baseline close from
    the latest back and reopen from the earliest on. The name of the other final that
    ``changed`` (in its new state) breaks this beside, or None."""
    finals = list(finals)
    order, closed = next((o, c) for o, c, name in finals if name == changed)
    for other_order, other_closed, name in sorted(finals, key=lambda f: f[0]):
        if name == changed:
            continue
        if closed and not other_closed and other_order > order:
            return name
        if not closed and other_closed and other_order < order:
            return name
    return None


def level_counted(people: int, before_n: int, after_n: int,
                  min_people: int = MIN_PEOPLE) -> bool:
    """A competency's levels in a cell of ``people`` enter figures: the cell is counted
    and at least ``min_people`` people gave it a level before and after."""
    return enough(people, min_people) and enough(before_n, min_people) and enough(
        after_n, min_people)


@dataclass(frozen=True)
class GainCell:
    """One (organization, final round): its people and, per competency, the sums and
    counts of the levels before and after (``before_total, before_n, after_total,
    after_n``); ``area_of`` in :func:`gains_summed` names each competency's area."""

    key: Hashable
    people: int
    levels: Mapping[str, tuple[int, int, int, int]]


@dataclass(frozen=True)
class GainSums:
    """What a gains figure needs of the cells it covers, summed: per area the counted
    cells' :class:`Sums` before and after, their people, the people of the others. They
    add up across cells (a cell is counted or not by itself), so a database may keep them
    per group — given :func:`enough` as its condition
    (``tandem.diagnostics.models.gain_counted_q``)."""

    before: Mapping[str, Sums] = field(default_factory=dict)
    after: Mapping[str, Sums] = field(default_factory=dict)
    people: int = 0
    left_out: int = 0


def gains_summed(cells: Iterable[GainCell], min_people: int = MIN_PEOPLE,
                 area_of: Mapping[str, str] | None = None) -> GainSums:
    """The :class:`GainSums` of ``cells`` by area (``area_of``: a competency's; without
    it each key is its own area): the counted ones' levels of counted competencies
    (:func:`level_counted`) and people, the others' people left out. ``people`` and
    ``left_out`` are of whole cells: a competency left out of a counted cell leaves its
    people counted (they are in the cell's other competencies)."""
    before: dict[str, Sums] = defaultdict(Sums)
    after: dict[str, Sums] = defaultdict(Sums)
    people = left_out = 0
    for cell in cells:
        if not enough(cell.people, min_people):
            left_out += cell.people
            continue
        people += cell.people
        for code, (b_total, b_n, a_total, a_n) in cell.levels.items():
            if not level_counted(cell.people, b_n, a_n, min_people):
                continue
            area = area_of.get(code, code) if area_of is not None else code
            before[area] += Sums(b_total, b_n)
            after[area] += Sums(a_total, a_n)
    return GainSums(dict(before), dict(after), people, left_out)


@dataclass(frozen=True)
class ReleasedGains:
    """A unit's published before / after: per area the released means before and after
    (an area whose mean after is withheld is not published), the people of the counted
    cells, the people left out with small ones."""

    areas: Mapping[str, tuple[Released, Released]]
    people: int
    left_out: int

    @property
    def withheld(self) -> bool:
        """Levels there are, and no figure of them may be shown."""
        return not self.areas and self.left_out > 0


def gains_released(sums: GainSums, decimals: int = GAIN_DECIMALS) -> ReleasedGains:
    """The figures of these sums: areas with a counted level after, their means rounded."""
    return ReleasedGains(
        {area: (released(sums.before.get(area, Sums()), decimals), released(after, decimals))
         for area, after in sums.after.items() if after.answers},
        sums.people, sums.left_out)


def release_gains(cells: Iterable[GainCell], min_people: int = MIN_PEOPLE,
                  decimals: int = GAIN_DECIMALS,
                  area_of: Mapping[str, str] | None = None) -> ReleasedGains:
    """The before / after over ``cells`` (all the request covers), cell by cell."""
    return gains_released(gains_summed(cells, min_people, area_of), decimals)


# -- deficits and strengths by competency area (docs/monitoring.md, «Правило публикации
# дефицитов»). The same rule over cells (organization, campaign, competency): its people
# are those who gave the competency a level in the organization's submitted questionnaires
# of the campaign (one answer per person and competency in a questionnaire, so the answers
# are the people). A :class:`Cell` with ``total`` the deficits (or strengths) and
# ``answers = people`` the levels: :func:`counted` and :func:`summed` decide, a smaller
# cell enters no figure — not its organization's, its municipality's nor its region's —
# and its answers are counted as left out. A unit's share in an area is the counted
# cells' hits over their answers, in per cent; with none it is withheld.
#
# The potential mentors of an area (people strong in at least one of its competencies)
# over cells (organization, campaign, area): its people are those who gave a level to at
# least one competency of the area in the organization's submitted questionnaires of the
# campaign. A cell of fewer than ``MIN_PEOPLE`` of them enters no count of mentors
# (:func:`mentors_counted`; its query twin ``tandem.diagnostics.models.strong_counted_q``):
# a round of three submitted questionnaires of which one levelled the area would publish
# that one person's strength — a questionnaire may be submitted without some levels (an
# import skips blank cells).


def share_released(sums: Sums, decimals: int = DECIMALS) -> Released:
    """The share of these sums in per cent: 100 × the counted cells' hits over their
    answers, rounded (:func:`released`); with no counted answer, withheld."""
    return released(Sums(100 * sums.total, sums.answers, sums.left_out), decimals)


def mentors_counted(levelled: int, min_people: int = MIN_PEOPLE) -> bool:
    """A cell (organization, campaign, area) whose strong people may enter the potential
    mentors: at least ``min_people`` people gave a level to a competency of the area."""
    return enough(levelled, min_people)


def people_changed[K: Hashable, V](published: Mapping[K, V], current: Mapping[K, V]) -> int:
    """How many people's contributions to a cell differ between its published state and now:
    ``published`` and ``current`` map each person in the cell to a digest of what they put
    in it (their answers, their levels). A person who came, left, or whose digest changed
    counts once; a person who changed and changed back counts for nothing."""
    return sum(1 for person in published.keys() | current.keys()
               if published.get(person) != current.get(person))


def republish[K: Hashable, V](published: Mapping[K, V], current: Mapping[K, V],
                              min_people: int = MIN_PEOPLE) -> bool:
    """Rule 5, «steps of three» (docs/surveys.md, docs/monitoring.md): a cell's published
    sums move to its current sums only when at least ``min_people`` people's contributions
    differ from those published. Otherwise the cell keeps showing what it showed, so that
    two requests, before and after one or two people answered, withdrew, moved to another
    organization or were anonymised, differ by nothing — and any difference between two
    published states of a cell holds the answers of at least ``min_people`` people, as a
    cell itself does (rule 2). A cell never published (``published`` empty) is first
    published once ``min_people`` people are in it."""
    return people_changed(published, current) >= min_people


# -- rule 5 by part. A figure is shown per part of a cell (a survey's question, a side —
# before or after — of a competency: an area's mean sums only the competencies that
# :func:`level_counted` lets in and that the version shown has, and a competency may be in
# two areas in two versions, so a part of a whole area let two people's changes of a
# competency no figure shows count towards a third's of one shown — review of h/gainparts,
# 2026-12-06), and one person's digest over all parts hides
# which parts moved: three people who changed, two of them in one part only, move the other
# parts by the third person's contribution alone (review of rule 5, 2026-12-06: reopen a
# final, two teachers fix their «после», a fifth submits her first final — every «до» moved
# by her baseline). So a person's digest is kept per part, and a published cell moves only
# when **every** part that changed changed for at least ``MIN_PEOPLE`` people.
#
# A person's parts are stored as one text, ``part:digest`` items joined by ``;`` in the
# order of the parts (:func:`joined`; a database builds the same text with ``string_agg``
# ordered by part — its twin must keep these separators, which no part name contains).
# A caller may store them otherwise and pass its own reader of the text (``parts``: text →
# digests by part; a text it cannot read: ``ValueError``) — «до / после» keeps a side of a
# competency a part, its level the digest, by position (``tandem.diagnostics.tallies``).
PART = ":"
PARTS = ";"
# A published part's digest that no contribution has: the migrations that brought in
# digests by part could not tell which parts a person had changed since the last
# publication (the old digest was one per person), so they mark each of that person's
# parts so. Such a part holds the cell (it differs from anything now) but does not count
# towards the three — who knows whether that person changed it: three others must
# (review of h/surveyparts: counting the marks let a question move by one answer).
UNKNOWN = "-"


def joined(parts: Mapping[str, str]) -> str:
    """One person's digests by part as the stored text (parts sorted)."""
    return PARTS.join(f"{part}{PART}{parts[part]}" for part in sorted(parts))


def split(text: str) -> dict[str, str]:
    """The digests by part of a stored text (:func:`joined`); empty text: no part; a text
    that is not one: ``ValueError``."""
    if not isinstance(text, str):  # an old number (surveys' CRC-32 before 0008)
        raise ValueError(text)
    if not text:
        return {}
    items = [item.split(PART, 1) for item in text.split(PARTS)]
    if any(len(item) != 2 for item in items):
        raise ValueError(text)
    return dict(items)  # type: ignore[arg-type]


Reader = Callable[[str], Mapping[str, str]]  # a stored text → its digests by part


def _split_or_none(text: object, parts: Reader = split) -> Mapping[str, str] | None:
    """``parts`` (:func:`split`), or None for a text that is not by parts."""
    try:
        return parts(text)  # type: ignore[arg-type]
    except ValueError:
        return None


def parts_changed[K: Hashable](published: Mapping[K, str], current: Mapping[K, str],
                               parts: Reader = split) -> Counter[str]:
    """For each part, how many people's contributions to it differ between the published
    state of a cell and now (``published``, ``current``: person → :func:`joined` digests).
    A person who came or left changed each part they have; a person whose text is equal
    changed nothing (only the differing texts are split); a part published as
    :data:`UNKNOWN` is in the counts but adds no one. A published text that is no
    :func:`joined` text (one digest of a person, written by code older than the parts —
    an app server still running it between ``migrate`` and its restart — or a number)
    makes every part of the cell, published or now, :data:`UNKNOWN` in the counts: which
    of them that person had is not known — and so does a current text that is none (such
    an app server rebuilt the cell since; review of h/gaincomp: closing crashed on it).
    ``parts``: the reader of the texts (a caller's own storing of them; :func:`split` by
    default)."""
    counts: Counter[str] = Counter()
    unknown = False
    for person in published.keys() | current.keys():
        before, after = published.get(person), current.get(person)
        if before == after:
            continue
        new = _split_or_none(after or "", parts)
        old = _split_or_none(before if before is not None else "", parts)
        if old is None or new is None:
            unknown = True
            counts.update(dict.fromkeys(new or old or {}, 0))
            continue
        for part in old.keys() | new.keys():
            if old.get(part) != new.get(part):
                counts[part] += old.get(part) != UNKNOWN
    if unknown:
        for text in (*published.values(), *current.values()):
            counts.update(dict.fromkeys(_split_or_none(text, parts) or {}, 0))
    return counts


def republish_parts[K: Hashable](published: Mapping[K, str], current: Mapping[K, str],
                                 min_people: int = MIN_PEOPLE, parts: Reader = split) -> bool:
    """Rule 5 by part: a cell never published (``published`` empty) is published once
    ``min_people`` people are in it (:func:`republish`); a published one moves to its
    current state only when some part changed and every part that changed did so for at
    least ``min_people`` people — so that the difference of any shown figure between two
    published states holds at least ``min_people`` people's contributions to it, or none.
    A part changed by one or two people holds the whole cell at what it showed (steps of
    three: a later change of others completes the step, or it waits). A cell that has no
    one now, and whose people had no part (blank answers only), goes: nothing of it was
    shown, and no part would ever change to let it go. ``parts``: as in
    :func:`parts_changed`."""
    if not published:
        return republish(published, current, min_people)
    counts = parts_changed(published, current, parts)
    if not counts:
        return not current and not any(_split_or_none(text, parts) != {}
                                       for text in published.values())
    return min(counts.values()) >= min_people
