"""The pairs' links on a participant's card (tandem/directory/links.py): each pair the
viewer may see (``pairs_visible``) and its map, which everyone who sees the pair may open
(``maps.selectors.pair_for_map`` with ``for_="view"``). One query: the map comes with
the pair (the reverse one-to-one ``Pair.map``)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.access.scope import Scope
from tandem.directory.links import LinkGroup, PersonLink
from tandem.pairs.selectors import pairs_visible
from tandem.people.models import Participant

SHOWN = 20


def person_links(scope: Scope, participant: Participant) -> LinkGroup:
    pairs = (pairs_visible(scope=scope)
             .filter(Q(a_id=participant.pk) | Q(b_id=participant.pk))
             .select_related("map").order_by("-starts_on", "-pk")[:SHOWN])
    links = []
    for pair in pairs:
        names = {"a": pair.a.short_name, "b": pair.b.short_name}
        links.append(PersonLink(text=_("Пара: %(a)s ⇄ %(b)s") % names,
                                url=reverse("pairs:detail", kwargs={"pk": pair.pk}),
                                note=pair.get_status_display()))
        the_map = getattr(pair, "map", None)
        if the_map is not None:
            links.append(PersonLink(text=_("Карта пары: %(a)s ⇄ %(b)s") % names,
                                    url=reverse("maps:detail", kwargs={"pair_pk": pair.pk}),
                                    note=the_map.get_status_display()))
    return LinkGroup(title=_("Пары и карты"), links=links, empty=_("Пар пока нет."))
