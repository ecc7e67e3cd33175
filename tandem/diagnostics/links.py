"""The diagnostics' links on a participant's card (tandem/directory/links.py): the
questionnaires the viewer may open, a submitted one to its profile."""

from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.access.scope import Scope
from tandem.diagnostics.models import Response
from tandem.diagnostics.selectors import responses_of
from tandem.directory.links import LinkGroup, PersonLink
from tandem.people.models import Participant

SHOWN = 20


def person_links(scope: Scope, participant: Participant) -> LinkGroup:
    links = []
    for response in responses_of(scope=scope, participant_id=participant.pk)[:SHOWN]:
        submitted = response.status == Response.Status.SUBMITTED
        links.append(PersonLink(
            text=_("Профиль: %(campaign)s") % {"campaign": response.campaign.title}
            if submitted else response.campaign.title,
            url=reverse("diagnostics:profile", kwargs={"pk": response.pk}) if submitted
            else "",
            note=response.get_status_display()))
    return LinkGroup(title=_("Диагностика"), links=links,
                     empty=_("Анкет диагностики пока нет."))
