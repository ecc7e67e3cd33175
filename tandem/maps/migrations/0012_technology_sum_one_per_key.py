# One row per key of the technologies' municipality sums (TechnologyMunicipalityTally):
# the rows were one per key by rule only, and a key stored twice doubles the «технологии»
# table of a region. A municipality with a key stored twice is summed again from its
# organizations' tallies first (as maps/tallies.py _roll_up), then the constraints.

from django.db import migrations, models
from django.db.models import Case, Count, F, IntegerField, Q, Sum, When

SUM_KEY = ("municipality_id", "sector", "competency", "technology", "a_organization_id",
           "b_organization_id")


def sum_again_where_doubled(apps, schema_editor):
    tally = apps.get_model("maps", "TechnologyTally")
    sums = apps.get_model("maps", "TechnologyMunicipalityTally")
    doubled = sorted(set(sums.objects.values(*SUM_KEY).order_by().annotate(n=Count("pk"))
                         .filter(n__gt=1).values_list("municipality_id", flat=True)))
    if not doubled:
        return
    sums.objects.filter(municipality_id__in=doubled).delete()
    elsewhere = ~Q(a_organization_id=F("organization_id")) & ~Q(
        b_organization_id=F("organization_id"))
    rows = (tally.objects.filter(organization__municipality_id__in=doubled).values(
        "competency", "technology", m=F("organization__municipality_id"),
        s=F("organization__sector"),
        a=Case(When(elsewhere, then=F("a_organization_id")), default=None,
               output_field=IntegerField()),
        b=Case(When(elsewhere, then=F("b_organization_id")), default=None,
               output_field=IntegerField()))
        .order_by().annotate(n=Sum("rows")))
    sums.objects.bulk_create(
        (sums(municipality_id=r["m"], sector=r["s"], competency=r["competency"],
              technology=r["technology"], a_organization_id=r["a"], b_organization_id=r["b"],
              rows=r["n"]) for r in rows.iterator(chunk_size=2000)),
        batch_size=2000)
    if schema_editor.connection.vendor == "postgresql":
        # The rows' deferred key checks now, before the index is built in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('maps', '0011_technology_municipality_sums'),
    ]

    operations = [
        migrations.RunPython(sum_again_where_doubled, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='technologymunicipalitytally',
            constraint=models.UniqueConstraint(condition=models.Q(('a_organization_id__isnull', True)), fields=('municipality', 'sector', 'competency', 'technology'), name='one_technology_sum'),
        ),
        migrations.AddConstraint(
            model_name='technologymunicipalitytally',
            constraint=models.UniqueConstraint(condition=models.Q(('a_organization_id__isnull', False)), fields=('municipality', 'sector', 'competency', 'technology', 'a_organization_id', 'b_organization_id'), name='one_technology_sum_of_members'),
        ),
    ]
