"""The members' names kept on a pair (``Pair.names``) when a rename
and the creation of the person's first pair run at the same moment (PostgreSQL). The
rename is held open (a roster import's long transaction) while the pair is created and
committed, or the other way round. Neither sees the other: the rename's ``keep_names``
finds no pair, the pair reads the old name; the rename's run after its commit
(``members.renamed``) sees both (review of h/pairnames: it ran only when some pair had
changed, and the pair kept the old name for good).

"""

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction

from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.pairs import names
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pairs_search
from tandem.people.models import Participant
from tandem.testing import HeldRace, ParticipantFactory, World

pytestmark = pytest.mark.django_db(transaction=True)

TERM = {"starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2027, 5, 31)}


@pytest.mark.parametrize("held", ["rename", "pair"])
def test_a_first_pair_created_while_its_member_is_renamed(world: World, held: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a race of two writers: PostgreSQL only")
    a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
    out: dict[str, Pair] = {}

    def rename() -> None:
        p = Participant.objects.get(pk=a.pk)
        p.surname = "Переименованная"
        p.save()

    def create() -> None:
        out["pair"] = Pair.objects.create(a_id=a.pk, b_id=b.pk, organization=world.org_a,
                                          **TERM)

    def first(hold: Any) -> None:
        with transaction.atomic():
            (rename if held == "rename" else create)()
            hold()

    def second() -> None:
        with transaction.atomic():
            (create if held == "rename" else rename)()

    race = HeldRace(first, second)
    race.start()
    race.second.join(30)
    race.finish()
    pair = out["pair"]
    now = Participant.objects.get(pk=a.pk).search_name
    assert Pair.objects.values_list("names", flat=True).get(pk=pair.pk).startswith(now + " ")
    assert names.stale() == []
    root = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    assert pairs_search(scope=scope_for(root), text="переименованная").filter(
        pk=pair.pk).exists()
