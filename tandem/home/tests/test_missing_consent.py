"""The overview's «нет согласия» list: exactly the active people of the scope who lack
either written consent — the rule of ``consent_q``, said as a condition on the row."""

import datetime as dt

from tandem.access.scope import scope_for
from tandem.home.selectors import missing_consent
from tandem.people.models import Participant
from tandem.testing import ParticipantFactory, World


def test_people_missing_either_consent_are_listed_and_no_one_else(world: World) -> None:
    day = dt.date(2026, 9, 1)
    made: dict[str, dict[str, dt.date | None]] = {
        "no-mentoring": dict(mentoring_consent_date=None, personal_data_consent_date=day),
        "no-data": dict(mentoring_consent_date=day, personal_data_consent_date=None),
        "none": dict(mentoring_consent_date=None, personal_data_consent_date=None),
        "both": dict(mentoring_consent_date=day, personal_data_consent_date=day),
    }
    ids = {key: ParticipantFactory.create(organization=world.org_a, surname=f"Ащеев-{key}",
                                          **fields).pk
           for key, fields in made.items()}
    gone = ParticipantFactory.create(organization=world.org_a, surname="Ащеев-ушёл",
                                     mentoring_consent_date=None, is_active=False)
    elsewhere = ParticipantFactory.create(organization=world.org_b, surname="Ащеев-чужой",
                                          mentoring_consent_date=None)

    curator_a = scope_for(world.alice)  # curator of organization A
    listed = {p.pk for p in missing_consent(scope=curator_a, limit=1000)}
    expected = set(
        curator_a.manageable_participants(Participant.objects.filter(is_active=True))
        .exclude(pk__in=Participant.objects.with_consent().values("pk"))
        .values_list("pk", flat=True))
    assert listed == expected
    assert {ids["no-mentoring"], ids["no-data"], ids["none"]} <= listed
    assert ids["both"] not in listed
    assert gone.pk not in listed and elsewhere.pk not in listed
