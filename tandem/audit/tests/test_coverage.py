"""The audit trail's coverage, in one place: every model that holds personal data, rights
or the programme's decisions is registered with django-auditlog (each app registers its
own models in its ``AppConfig.ready``)."""

from auditlog.registry import auditlog

EXPECTED = {
    "accounts.user", "territory.region", "territory.municipality", "territory.organization",
    "people.participant", "access.roleassignment", "diagnostics.campaign",
    "diagnostics.competency", "resources.resource", "pairs.pair", "pairs.pairrule",
    "pairs.pairorder", "maps.map", "maps.row", "maps.meeting", "surveys.survey",
    "reminders.reminderlog", "programmes.programme", "programmes.roadmaprow",
    "programmes.indicator", "school.event", "school.material", "school.registration",
    "school.certificate", "training.case", "training.caseparticipant", "training.team",
    "training.teammember", "training.score",
}


def test_every_audited_model_is_registered() -> None:
    registered = {m._meta.label_lower for m in auditlog.get_models()}
    assert EXPECTED <= registered, sorted(EXPECTED - registered)


def test_survey_answers_never_reach_the_trail() -> None:
    from tandem.surveys.models import Survey

    fields = auditlog.get_model_fields(Survey)
    assert set(fields["include_fields"]) == {"stage", "due_on", "sent_at", "submitted_at"}
