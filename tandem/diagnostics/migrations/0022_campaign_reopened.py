"""«Вне цифр» of «до / после» under rule 5 (docs/monitoring.md, «Правило публикации «до /
после»», rule 5; issue #16): ``Campaign.reopened`` — a round reopened after a closing at
least once; its first publication is past, so a cell of it never published stays
unpublished, its people counted nowhere (not even as left out), until three people publish
it. A round's first publication publishes every cell with its members, a small one too.

Forwards: the field; then, as the code now holds it —

- every cell of a **closed** final round with people and no published member (a small one:
  the code before kept its published sums following the current ones, and counted its
  people as left out) gets its current members as published (``GainMember`` →
  ``PublishedGainMember``, one ``INSERT … SELECT`` on the server): its published sums are
  its current ones already, so no figure changes; from now on rule 5 holds it;
- an **open** final round with a published member was closed before: ``reopened`` (one
  ``UPDATE``; the audit trail of the closings and reopenings themselves is as it was). An
  open round reopened before whose cells were all small has no trace of its closing here:
  its next closing is taken for its first (as the code before did every closing).

Backwards: the field goes; the members stay (the code before holds a cell with members by
rule 5 as well).

Nothing is imported from the app: the models are the migration state's."""

from typing import Any

from django.db import migrations, models


def forwards(apps: Any, schema_editor: Any) -> None:
    campaign = apps.get_model("diagnostics", "Campaign")
    current = apps.get_model("diagnostics", "GainMember")._meta
    published = apps.get_model("diagnostics", "PublishedGainMember")._meta
    quote = schema_editor.connection.ops.quote_name

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    names = ("organization", "campaign", "person", "digest")
    target = ", ".join(column(published, n) for n in names)
    source = ", ".join(f"g.{column(current, n)}" for n in names)
    same_cell = " AND ".join(f"p.{column(published, n)} = g.{column(current, n)}"
                             for n in ("organization", "campaign"))
    sql = (f"INSERT INTO {quote(published.db_table)} ({target}) "  # noqa: S608 (our names)
           f"SELECT {source} FROM {quote(current.db_table)} g "
           f"JOIN {quote(campaign._meta.db_table)} c "
           f"ON c.{quote(campaign._meta.pk.column)} = g.{column(current, 'campaign')} "
           f"WHERE c.{column(campaign._meta, 'status')} = %s "
           f"AND NOT EXISTS (SELECT 1 FROM {quote(published.db_table)} p WHERE {same_cell})")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, ["closed"])
    member = apps.get_model("diagnostics", "PublishedGainMember")
    campaign.objects.filter(status="open", kind="final", pk__in=member.objects.values(
        "campaign_id")).update(reopened=True)


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0021_region_answer_sums"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="reopened",
            field=models.BooleanField(default=False, editable=False,
                                      verbose_name="открывалась снова"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
