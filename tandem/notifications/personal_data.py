"""This app's part of the anonymisation (tandem/people/personal_data.py): the
notifications of the person and every notification that names them go."""

from django.db.models import Q

from tandem.notifications.models import Notification
from tandem.people.personal_data import Erasure


def anonymise(erasure: Erasure) -> None:
    named = Q(about__contains=f",{erasure.participant_id},")
    for form in erasure.identifying:
        named |= Q(text__icontains=form)
    if erasure.user_id is not None:
        named |= Q(user_id=erasure.user_id)
    erasure.counts["notifications"] = Notification.objects.filter(named).delete()[0]
