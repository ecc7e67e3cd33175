"""A survey's cell is the organization its respondent belonged to when they answered
(docs/surveys.md, «Правило публикации», 1): ``Survey.organization``, set when the survey
is created for them and again when they submit it (``services.survey_submit``), never
their organization now — so a person's move moves no answer between cells, and rule 5
cannot be walked around by moving three people out and back around one answer.

The column is added empty and filled from each respondent's organization now, a batch of
surveys (by id) at a time, one ``UPDATE`` with a subquery per batch: until this
migration every survey counted in its respondent's organization now, so the kept cells
(``SurveyCell``) and the municipalities' sums are exactly what they were — nothing is
recounted. A survey of a deleted organization's person does not exist (a person's
organization is protected), so none is left empty. This is no user's change: no audit
entry (the trail keeps ``stage``, ``due_on``, ``sent_at`` and ``submitted_at`` only).

Going back drops the column (the cells again follow the person: ``tandem tallies
--rebuild`` with the old code counts moved people's answers where they are now).

Deploy: stop the old code's writers (the schedule, the web) before ``migrate`` or let
them be stopped right after it — a survey created or answered by old code after the
fill has no organization and counts in no cell until its organization is set (see
docs/surveys.md)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 20000  # surveys filled per UPDATE


def fill(apps: Any, schema_editor: Any) -> None:
    survey_model = apps.get_model("surveys", "Survey")
    participant_model = apps.get_model("people", "Participant")
    db = schema_editor.connection.alias
    surveys = survey_model.objects.using(db)
    first = surveys.order_by("pk").values_list("pk", flat=True).first()
    last = surveys.order_by("-pk").values_list("pk", flat=True).first()
    if first is None or last is None:
        return
    of_person = Subquery(participant_model.objects.using(db)
                         .filter(pk=OuterRef("participant_id")).values("organization_id")[:1])
    for start in range(first, last + 1, BATCH):
        (surveys.filter(pk__gte=start, pk__lt=start + BATCH, organization__isnull=True)
         .update(organization_id=of_person))


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0012_russian_model_names"),
        ("surveys", "0008_published_parts"),
        ("territory", "0006_russian_model_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="organization",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="territory.organization",
                                    verbose_name="организация ответа"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
