"""«My confirmation is missing» has one home (``pairs.querysets.confirmation_missing_q``,
``Pair.objects.awaiting_confirmation_of``): the teacher's overview (the button
«Подтвердить участие») and her step «подтвердите участие или откажитесь» both call it."""

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.home.next_steps import next_steps
from tandem.home.selectors import own_context
from tandem.pairs import querysets
from tandem.pairs.models import Pair
from tandem.testing import ParticipantFactory, World

pytestmark = pytest.mark.django_db
HOME = Path(__file__).resolve().parents[2] / "home"
NOW = timezone.make_aware(dt.datetime(2026, 9, 10, 10))


def test_the_approved_value_is_the_model_s() -> None:
    assert querysets.APPROVED == Pair.Status.APPROVED


def test_the_overview_and_the_next_steps_do_not_say_the_rule_again() -> None:
    for module in ("selectors.py", "next_steps.py"):
        code = (HOME / module).read_text()
        assert "confirmed_at" not in code, module  # the rule's columns: its home only


def test_only_an_approved_pair_without_my_confirmation_waits_for_me(world: World) -> None:
    me = world.bob_p
    expected, pairs = set(), []
    statuses = [Pair.Status.APPROVED, Pair.Status.ACTIVE, Pair.Status.COMPLETED,
                Pair.Status.DECLINED]
    for status, i_am_a, mine, partners in itertools.product(statuses, (True, False),
                                                            (True, False), (True, False)):
        partner = ParticipantFactory.create(organization=world.org_a)
        a, b = (me, partner) if i_am_a else (partner, me)
        pair = Pair.objects.create(
            a=a, b=b, organization=world.org_a, status=status,
            starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31),
            a_confirmed_at=NOW if (mine if i_am_a else partners) else None,
            b_confirmed_at=NOW if (partners if i_am_a else mine) else None)
        pairs.append(pair)
        if status == Pair.Status.APPROVED and not mine:
            expected.add(pair.pk)
    assert set(Pair.objects.awaiting_confirmation_of(me.pk).values_list(
        "pk", flat=True)) == expected
    # The partner's view of the same pairs: mine confirmed is not hers.
    for pair in pairs:
        partner_id = pair.b_id if pair.a_id == me.pk else pair.a_id
        waits = Pair.objects.awaiting_confirmation_of(partner_id).filter(pk=pair.pk).exists()
        side = "b" if pair.a_id == me.pk else "a"
        assert waits == (pair.status == Pair.Status.APPROVED
                         and getattr(pair, f"{side}_confirmed_at") is None)


def test_the_button_and_the_step_go_together(client: Client, world: World) -> None:
    """Carol confirmed, Bob not: Bob is asked in both places; once he confirms, in neither."""
    pair = Pair.objects.create(a=world.bob_p, b=world.carol_p, organization=world.org_a,
                               starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31),
                               b_confirmed_at=NOW)
    today = timezone.localdate()
    url = reverse("pairs:detail", kwargs={"pk": pair.pk})
    client.force_login(world.bob)
    for asked in (True, False):
        bob = scope_for(world.bob)
        shown_pairs: Any = own_context(scope=bob, today=today)["my_pairs"]
        [shown] = shown_pairs
        assert shown.pk == pair.pk and shown.to_confirm is asked
        assert bool([s for s in next_steps(scope=bob, today=today) if s.url == url]) is asked
        page = client.get(reverse("dashboard")).content.decode()
        assert ("Подтвердить участие" in page) is asked
        assert ("подтвердите участие или откажитесь" in page) is asked
        Pair.objects.filter(pk=pair.pk).update(a_confirmed_at=NOW)
