"""Every change of an audited model is in the audit trail. ``QuerySet.update()`` bypasses
the model's signals, so auditlog never sees it: this test reads the source (ast) and finds
every ``.update(`` (and ``bulk_update``) on a queryset; one on an audited model (auditlog's
registry) — or on a queryset whose model the source does not name (a related manager) —
must be in the allow-list below, with the reason it is not a hole in the trail."""

import ast
from pathlib import Path

from auditlog.registry import auditlog

import tandem

ROOT = Path(tandem.__file__).parent

# (file, model) -> why this update() leaves no hole in the trail.
ALLOWED: dict[tuple[str, str], str] = {
    ("web/attachments.py", "?"):
        "after the commit the storage may pick another file name than the one saved (the "
        "name was taken in between); correcting it is not a change anyone made",
    ("maps/services.py", "Row"):
        "row_update: optimistic version check in one statement; _log_row_change writes the "
        "entry; the version-counter bump of row_resource touches only `version`, excluded "
        "from the trail (the m2m change itself is logged by auditlog)",
    ("surveys/services.py", "Survey"):
        "surveys_send claims a batch atomically against a concurrent run; the `sent_at` "
        "entries are written explicitly right after the claim",
    ("demo/services.py", "Map"):
        "seed-demo back-dates the fabricated demo region's history before anyone uses it",
    ("demo/services.py", "Row"):
        "seed-demo back-dates the fabricated demo region's history before anyone uses it",
    ("demo/services.py", "Participant"):
        "seed-demo links the fabricated people to their line managers and logins while "
        "building the demo region",
    ("training/demo.py", "Team"):
        "the training demo scores its fabricated teams while building the demo region",
    ("people/personal_data.py", "?"):
        "Erasure.scrub_rows, the anonymisation: a save would copy the very values it erases "
        "into the trail; it writes one summary entry («обезличивание») and scrubs the "
        "entries of every row it went through",
    ("pairs/querysets.py", "?"):
        "PairQuerySet.keep_held: the meeting dates kept on a pair (held_until, held_next) "
        "follow its meetings; derived and excluded from the pair's trail — the meetings' "
        "own changes are in theirs; PairQuerySet.keep_regions: the regions of the members' "
        "organizations kept on a pair (region, b_region) follow a member's, an "
        "organization's or a municipality's move; derived and excluded from the pair's "
        "trail — the move itself is in the moved row's; PairQuerySet.keep_names: the "
        "members' search names kept on a pair (names) follow a member's rename or "
        "anonymisation; derived and excluded from the pair's trail — the rename is in the "
        "participant's; PairQuerySet.keep_organizations: the pair's copies of the members' "
        "organizations (a_organization, b_organization) follow a member's move; derived "
        "and excluded from the pair's trail — the move itself is in the participant's",
    ("people/models.py", "Participant"):
        "ParticipantQuerySet.keep_places: the place of a person's organization kept on the "
        "person (municipality, region) follows an organization's or a municipality's move; "
        "derived and excluded from the person's trail — the move itself is in the moved "
        "row's (and a person's own move, written by Participant.save, is in theirs)",
    ("web/exports.py", "?"):
        "a file job's own progress and outcome (rows done, heartbeat, status, the file) "
        "written by its worker; the jobs (roster exports, report jobs) are not audited "
        "models — the queryset's model is only not named in the source",
    ("testing.py", "Programme"):
        "a test helper sets pair rules on a fresh programme in a test database",
}

QUERYSET_METHODS = {"objects", "filter", "exclude", "all", "select_for_update", "order_by",
                    "select_related", "only", "defer", "distinct", "using"}


def _sources() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if "tests" not in p.relative_to(ROOT).parts and "migrations" not in p.parts)


def queryset_updates(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, model name or "?") of every ``<queryset chain>.update(...)`` and
    ``<Model>.objects.bulk_update(...)`` (which bypasses the signals the same way)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("update", "bulk_update")):
            continue
        receiver: ast.AST = node.func.value
        chain: list[str] = []
        while True:
            if isinstance(receiver, ast.Call):
                receiver = receiver.func
            elif isinstance(receiver, ast.Attribute):
                chain.append(receiver.attr)
                receiver = receiver.value
            elif isinstance(receiver, ast.Subscript):
                receiver = receiver.value
            else:
                break
        if not QUERYSET_METHODS & set(chain):
            continue  # a dict, a Counter, a view's own update()
        model = receiver.id if isinstance(receiver, ast.Name) and "objects" in chain else "?"
        found.append((node.lineno, model))
    return found


def test_the_scanner_sees_querysets_and_ignores_dicts() -> None:
    code = ("Row.objects.filter(pk=1).update(x=1)\nd.update(a=1)\n"
            "the_map.rows.filter(x=1).update(y=2)\nself.update(request)\n"
            "Team.objects.select_for_update().filter(pk=1).exclude(x=2).update(z=3)\n"
            "Team.objects.bulk_update(teams, ['x'])\n")
    assert queryset_updates(ast.parse(code)) == [(1, "Row"), (3, "?"), (5, "Team"),
                                                 (6, "Team")]


def test_no_update_on_an_audited_model_outside_the_allow_list() -> None:
    audited = {m.__name__ for m in auditlog.get_models()}
    assert {"Pair", "Row", "Survey", "Certificate", "Programme", "Participant"} <= audited
    holes, used = [], set()
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for line, model in queryset_updates(ast.parse(path.read_text(), str(path))):
            if model != "?" and model not in audited:
                continue  # not audited: counters, progress, caches
            if (rel, model) in ALLOWED:
                used.add((rel, model))
                continue
            holes.append(f"tandem/{rel}:{line} {model}.update()")
    assert not holes, ("update() on an audited model bypasses the audit trail; save the "
                       "objects (or write the entry and add it to ALLOWED with the reason): "
                       + "; ".join(holes))
    assert used == set(ALLOWED), f"stale allow-list entries: {set(ALLOWED) - used}"


def test_the_people_models_update_only_the_kept_place() -> None:
    """The allow-list names people/models.py for ``Participant``: there, the one
    ``.update(`` is ``keep_places``'s, which writes only the two derived columns."""
    writers = _writers(ROOT / "people" / "models.py", of_querysets=True)
    assert writers == [("keep_places", ["municipality_id", "region_id"])]


def _writers(path: Path, *, of_querysets: bool = False) -> list[tuple[str, list[str]]]:
    """The ``.update(`` / ``.bulk_update(`` calls of a module: (function, the keywords
    written); ``of_querysets``: only those called on a queryset chain (``QUERYSET_METHODS``
    in it) — a module whose other updates are not on querysets."""
    writers = []
    for function in ast.walk(ast.parse(path.read_text())):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("update", "bulk_update")
                    and (not of_querysets
                         or QUERYSET_METHODS & {a.attr for a in ast.walk(node.func.value)
                                                if isinstance(a, ast.Attribute)})):
                writers.append((function.name, sorted(k.arg or "**" for k in node.keywords)))
    return writers


# -- worked examples: the changes that used to be silent are in the trail now --------------
def _changes(obj: object) -> list[dict[str, object]]:
    from auditlog.models import LogEntry

    return [e.changes_dict for e in LogEntry.objects.get_for_object(obj)
            .filter(action=LogEntry.Action.UPDATE)]


def test_certificate_revocation_is_in_the_trail(world: object) -> None:
    from django.utils import timezone

    from tandem.school.services import attendance_set
    from tandem.testing import build_school

    school = build_school(world)  # type: ignore[arg-type]
    attendance_set(registration=school.carol_r, attended=False, now=timezone.now())
    assert any("revoked_at" in c for c in _changes(school.certificate))


def test_superseded_programme_is_in_the_trail(world: object) -> None:
    from django.utils import timezone

    from tandem.programmes.services import programme_adopt, programme_revise
    from tandem.testing import build_programme

    first = build_programme(world)  # type: ignore[arg-type]
    second = programme_revise(programme=first, user=None)
    programme_adopt(programme=second, order_number="13-од", order_date=timezone.localdate(),
                    user=None)
    assert any(str(c.get("status", "")).endswith("'superseded']") for c in _changes(first))


def test_survey_sent_is_in_the_trail(world: object) -> None:
    import datetime as dt

    from tandem.surveys.models import Survey
    from tandem.surveys.services import surveys_send
    from tandem.testing import build_map

    pair = build_map(world)  # type: ignore[arg-type]
    survey = Survey.objects.create(pair=pair, participant=world.bob_p,  # type: ignore[attr-defined, misc]
                                   stage=Survey.Stage.MID, due_on=dt.date(2027, 2, 1))
    assert surveys_send(base_url="http://testserver/") == 1
    assert any("sent_at" in c for c in _changes(survey))


def test_the_pair_querysets_update_only_the_kept_meeting_dates() -> None:
    """The allow-list names pairs/querysets.py as a whole (its queryset's model is not
    named in the source): there, the ``.update(`` calls are ``keep_held``'s, which writes
    only the two derived dates, ``keep_regions``'s, only the two derived regions,
    ``keep_names``'s, only the members' derived names, and ``keep_organizations``', only
    the members' derived organizations — any other would slip past the guard (review
    finding)."""
    writers = _writers(ROOT / "pairs" / "querysets.py")
    assert sorted(writers) == [("keep_held", ["held_next", "held_until"]),
                               ("keep_names", ["names"]),
                               ("keep_organizations", ["a_organization_id"]),
                               ("keep_organizations", ["a_organization_id",
                                                       "b_organization_id"]),
                               ("keep_organizations", ["b_organization_id"]),
                               ("keep_regions", ["b_region_id", "region_id"])]
