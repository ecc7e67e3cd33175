"""A questionnaire's cell is the organization its person belonged to when they answered
(docs/monitoring.md, «Правило публикации «до / после»», «Переходы между ячейками»):
``Response.organization``, set when the questionnaire is handed out, followed by the
person's moves while it is not submitted, and set again when it is submitted
(``services.response_submit``, an import's commit) — never their organization now once
submitted, so a person's move moves no answer between cells, and rule 5 («steps of
three») cannot be walked around by three people moving out and back around one answer,
nor a region's «до / после» moved by the levels of a fourth who stayed.

Forwards: the column is added empty and filled from each person's organization now — the
best we know: until this migration every questionnaire counted in its person's
organization now — a batch of questionnaires (by id) at a time, one ``UPDATE`` with a
subquery per batch (a region of 300,000 people and several rounds is a few million rows:
a hundred statements). Not atomic (as pairs/0007): the column is added on its own
with its key (nullable, no default, all empty: PostgreSQL takes its exclusive lock for
a moment, rewriting and checking nothing), each batch commits on its own (its rows
locked while it runs, nothing else), and then — at the end, Django's deferred
statement — the index on the column is built (the index build holds the table against writes while it runs: a
minute or so on a few million rows; not ``CONCURRENTLY``). A migration stopped halfway
is run again: the fill takes only the questionnaires still empty. So every organization's tallies,
the municipalities' sums and the published «до / после» are exactly what they were:
nothing is recounted (``tandem tallies --check`` finds them right). A questionnaire of a
deleted organization's person does not exist (a person's organization is protected),
so none is left empty.

Backwards: before the column goes, the organizations whose tallies the old code (which
keys a questionnaire by its person's organization now) would count otherwise — both
organizations of every questionnaire whose person has moved since answering, and the
person's organization of one whose organization was deleted — are marked for a rebuild
(``TallyState.dirty_since``), a batch at a time; the job (``tandem tallies`` or the
hourly run) recounts them with the old code.

Deploy: stop the old code's writers before ``migrate`` — a questionnaire handed out or
submitted by old code after the fill has no organization and counts in no cell until
``tandem tallies --check`` reports it and it is filled (docs/diagnostics.md).

Nothing is imported from the app: the models are the migration state's."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

BATCH = 20000  # questionnaires filled (or compared) per statement


def _bounds(responses: Any) -> tuple[int, int] | None:
    first = responses.order_by("pk").values_list("pk", flat=True).first()
    last = responses.order_by("-pk").values_list("pk", flat=True).first()
    return None if first is None or last is None else (first, last)


def forwards(apps: Any, schema_editor: Any) -> None:
    response_model = apps.get_model("diagnostics", "Response")
    participant_model = apps.get_model("people", "Participant")
    db = schema_editor.connection.alias
    responses = response_model.objects.using(db)
    bounds = _bounds(responses)
    if bounds is None:
        return
    of_person = Subquery(participant_model.objects.using(db)
                         .filter(pk=OuterRef("participant_id")).values("organization_id")[:1])
    for start in range(bounds[0], bounds[1] + 1, BATCH):
        (responses.filter(pk__gte=start, pk__lt=start + BATCH, organization__isnull=True)
         .update(organization_id=of_person))


def backwards(apps: Any, schema_editor: Any) -> None:
    response_model = apps.get_model("diagnostics", "Response")
    state_model = apps.get_model("diagnostics", "TallyState")
    db = schema_editor.connection.alias
    responses = response_model.objects.using(db)
    bounds = _bounds(responses)
    if bounds is None:
        return
    marked: set[int] = set()
    for start in range(bounds[0], bounds[1] + 1, BATCH):
        # NULL is distinct from the person's organization: a deleted organization's too.
        for mine, now in (responses.filter(pk__gte=start, pk__lt=start + BATCH)
                          .exclude(organization_id=F("participant__organization_id"))
                          .values_list("organization_id", "participant__organization_id")
                          .distinct().order_by()):
            marked |= {pk for pk in (mine, now) if pk is not None}
    ids = sorted(marked)
    states = state_model.objects.using(db)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        states.bulk_create([state_model(organization_id=pk) for pk in chunk],
                           ignore_conflicts=True)
        states.filter(organization_id__in=chunk).update(dirty_since=timezone.now())


class Migration(migrations.Migration):
    atomic = False  # the schema step, each batch and the index commit on their own

    dependencies = [
        ("diagnostics", "0019_gain_member_competencies"),
        ("people", "0012_russian_model_names"),
        ("territory", "0006_russian_model_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="organization",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="territory.organization",
                                    verbose_name="организация ответа"),
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
