"""A statement that locks rows and joins the organizations must lock its own rows only
(``select_for_update(of=("self",))``): the kept figures' rebuilds (maps/tallies.py,
diagnostics/tallies.py) hold organizations ``FOR NO KEY UPDATE`` in id order, and a lock
taken on joined organizations in the scan's order closes a circle with them. Review
finding (2026-12-04): pairs_approve's lock of the people deadlocked with the technologies'
rebuild on PostgreSQL."""
import ast
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

import tandem
from tandem.conftest import World
from tandem.maps import lifecycle, tallies
from tandem.maps.tests.test_technology_tallies import _pair_of
from tandem.people.models import Participant
from tandem.testing import HeldRace, ParticipantFactory

ROOT = Path(tandem.__file__).parent


def _chain(node: ast.expr) -> list[ast.Call]:
    """The calls of a method chain (``a.b(...).c(...)``), outermost first."""
    calls = []
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            calls.append(node)
            node = node.func
        else:
            node = node.value
    return calls


LOOKUPS = {"exact", "in", "isnull", "gt", "gte", "lt", "lte", "range"}


KEYS = {"pk", "id"}


def _joins_organizations(path: str) -> bool:
    """A ``select_related`` path or a lookup that joins an organization's table
    (``organization``, ``pair__organization``, ``organization__municipality``; not
    ``organization__in``, ``organization__pk``, ``organization__id__in``: the key column
    itself, which Django reads without the join)."""
    parts = path.split("__")
    for i, part in enumerate(parts[:-1]):
        if "organization" not in part:
            continue
        rest = parts[i + 1:]
        if rest[0] in LOOKUPS or (rest[0] in KEYS and (len(rest) == 1 or rest[1] in LOOKUPS)):
            continue  # the key column
        return True
    return "organization" in parts[-1] and not parts[-1].endswith("_id")


def _reaches_organizations(call: ast.Call) -> bool:
    method = getattr(call.func, "attr", "")
    if method == "select_related":
        return any(isinstance(a, ast.Constant) and isinstance(a.value, str)
                   and "organization" in a.value for a in call.args)
    return any(kw.arg and "__" in kw.arg and _joins_organizations(kw.arg)
               for kw in call.keywords)


def _locks_its_own_rows_only(lock: ast.Call) -> bool:
    """``of=`` naming no organization's path (``("self",)``; not ``("self",
    "organization")``, which locks the joined organizations again)."""
    of = [kw.value for kw in lock.keywords if kw.arg == "of"]
    if not of:
        return False
    if not isinstance(of[0], ast.Tuple | ast.List):
        return False  # not readable here: named as unscoped
    return all(isinstance(e, ast.Constant) and isinstance(e.value, str)
               and "organization" not in e.value for e in of[0].elts)


def _flagged(calls: list[ast.Call]) -> bool:
    """A chain that locks (any ``select_for_update`` not scoped to its own rows) and joins
    the organizations."""
    locks = [c for c in calls if getattr(c.func, "attr", "") == "select_for_update"]
    return any(not _locks_its_own_rows_only(c) for c in locks) and any(
        _reaches_organizations(c) for c in calls)


def _unscoped_locks() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        seen: set[int] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in seen:
                continue
            calls = _chain(node)
            seen.update(id(c) for c in calls)
            if _flagged(calls):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_lock_reaches_the_organizations_through_a_join() -> None:
    assert _unscoped_locks() == []


def test_the_scan_sees_an_unscoped_lock(tmp_path: Path) -> None:
    """The scan is not blind: the statement as it was is found, the fixed one is not."""
    bad = ast.parse('Participant.objects.filter(pk__in=ids).select_for_update()'
                    '.select_related("organization")').body[0]
    good = ast.parse('Participant.objects.filter(pk__in=ids).select_for_update(of=("self",))'
                     '.select_related("organization")').body[0]
    across = ast.parse('Campaign.objects.select_for_update()'
                       '.filter(organization__municipality=m)').body[0]

    def flagged(stmt: ast.stmt) -> bool:
        assert isinstance(stmt, ast.Expr)
        return _flagged(_chain(stmt.value))
    assert flagged(bad) and flagged(across) and not flagged(good)


@pytest.mark.parametrize(("statement", "unscoped"), [
    # of= that names the organizations locks them again (review 2026-12-05)
    ('Participant.objects.select_for_update(of=("self", "organization"))'
     '.select_related("organization")', True),
    ('Pair.objects.select_for_update(of=["self", "a__organization"])'
     '.select_related("a__organization")', True),
    ('Participant.objects.select_for_update(of=OF).select_related("organization")', True),
    ('Participant.objects.select_for_update(of=("self", "user"))'
     '.select_related("organization", "user")', False),
    # the organization's key: its column, no join (review 2026-12-05)
    ("Participant.objects.select_for_update().filter(organization__pk=1)", False),
    ("Participant.objects.select_for_update().filter(organization__id__in=[1])", False),
    ("Participant.objects.select_for_update().filter(organization__id=1)", False),
    ("Participant.objects.select_for_update().filter(organization__pk__in=[1])", False),
    ("Participant.objects.select_for_update().filter(organization_id__in=[1])", False),
    # ... but past the key, or any other field of it, joins
    ("Participant.objects.select_for_update().filter(organization__municipality=m)", True),
    ("Participant.objects.select_for_update().filter(organization__name__in=names)", True),
    ("Pair.objects.select_for_update().filter(a__organization__municipality_id=m)", True),
])
def test_the_scan_reads_of_and_the_key_column(statement: str, unscoped: bool) -> None:
    stmt = ast.parse(statement).body[0]
    assert isinstance(stmt, ast.Expr)
    assert _flagged(_chain(stmt.value)) is unscoped


@pytest.mark.django_db(transaction=True)
def test_approving_beside_a_technologies_rebuild_does_not_deadlock(world: World) -> None:
    """Someone holds person Y; the approval locks X (and, as it was, X's organization O2)
    and waits for Y; the rebuild of O1 and O2 holds O1 and — as it was — waits for O2; Y
    released, the approval went on to O1: a circle, PostgreSQL killed one."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    o1, o2 = sorted([world.org_a, world.org_b], key=lambda o: o.pk)
    p_x = ParticipantFactory.create(organization=o2)   # scanned first
    p_y = ParticipantFactory.create(organization=o1)
    _pair_of(o1, o1, o1, ("case",))
    _pair_of(o2, o2, o2, ("case",))
    tallies.refresh()

    def blocker(hold: object) -> None:
        with transaction.atomic():
            list(Participant.objects.select_for_update().filter(pk=p_y.pk))
            hold()  # type: ignore[operator]

    def approve() -> None:
        with transaction.atomic():
            lifecycle._locked_people([p_x.pk, p_y.pk])
            time.sleep(0.5)

    race = HeldRace(blocker, approve)
    race.start()
    assert race.second_waits()                         # the approval waits for Y
    rebuild = threading.Thread(target=race._guarded,
                               args=(lambda: tallies.rebuild([o1.pk, o2.pk]),))
    rebuild.start()
    for _ in range(300):                               # done, or waiting beside it
        if not rebuild.is_alive() or _waiting() >= 2:
            break
        time.sleep(0.1)
    race.release.set()                                 # Y released
    rebuild.join(60)
    race.finish()                                      # no deadlock error, in any


def _waiting() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND pid <> pg_backend_pid() "
                       "AND wait_event_type = 'Lock'")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
