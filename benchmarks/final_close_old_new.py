"""Closing (and reopening) a region-wide final round: the old redo of everything derived
from its organizations' tallies (``tallies.rederive``: mentors' best round and all four
municipality sum tables, under every municipality's and organization's lock) against the
new one (``tallies.regain``: the municipalities' «до / после» sums only). In-process, on a
database of its own (it seeds and keeps the data):

    DATABASE_URL=postgres://…/bench PYTHONPATH=. python benchmarks/final_close_old_new.py \
        --organizations 1000 --municipalities 50 --repeat 3

Each redo runs in a transaction rolled back afterwards, after the status change (written
by a queryset update, which runs no hook). Prints wall and process CPU time (medians) and
the load average."""

import argparse
import datetime as dt
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from tandem.diagnostics import services, tallies  # noqa: E402
from tandem.diagnostics.defaults import ensure_default_framework  # noqa: E402
from tandem.diagnostics.models import Campaign  # noqa: E402
from tandem.people.models import Participant  # noqa: E402
from tandem.testing import (  # noqa: E402
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    bulk_participants,
    bulk_responses,
)


def seed(organizations: int, municipalities: int) -> Campaign:
    final = Campaign.objects.filter(kind=Campaign.Kind.FINAL, title="Итоговая (замер)").first()
    if final is not None:
        return final
    region = RegionFactory.create()
    places = [MunicipalityFactory.create(region=region) for _ in range(municipalities)]
    orgs = [OrganizationFactory.create(municipality=places[i % municipalities])
            for i in range(organizations)]
    for organization in orgs:
        bulk_participants(organization, 3)
    framework = ensure_default_framework()
    initial = Campaign.objects.create(title="Входная (замер)", region=region,
                                      framework=framework, starts_on=dt.date(2026, 9, 1),
                                      ends_on=dt.date(2026, 9, 30))
    final = Campaign.objects.create(title="Итоговая (замер)", kind=Campaign.Kind.FINAL,
                                    region=region, framework=framework, baseline=initial,
                                    starts_on=dt.date(2027, 4, 1), ends_on=dt.date(2027, 4, 20))
    people = Participant.objects.filter(organization__in=orgs)
    bulk_responses(initial, people)
    bulk_responses(final, people)
    tallies.rebuild()
    return final


def timed(redo: object, ids: list[int], final: Campaign) -> tuple[float, float]:
    with transaction.atomic():
        Campaign.objects.filter(pk=final.pk).update(status=Campaign.Status.CLOSED)
        wall, cpu = time.perf_counter(), time.process_time()
        redo(ids)  # type: ignore[operator]
        result = time.perf_counter() - wall, time.process_time() - cpu
        transaction.set_rollback(True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    final = seed(args.organizations, args.municipalities)
    ids = tallies._gain_organizations([final.pk])
    print(f"{connection.vendor}: {len(ids)} organizations with «до / после» of the round")
    runs: dict[str, list[tuple[float, float]]] = {"old (rederive)": [], "new (regain)": []}
    loads = []
    for _ in range(args.repeat):
        for name, redo in (("old (rederive)", tallies.rederive), ("new (regain)", tallies.regain)):
            loads.append(os.getloadavg()[0])
            runs[name].append(timed(redo, ids, final))
    for name, values in runs.items():
        print(f"{name}: wall {statistics.median(v[0] for v in values):.3f} s, "
              f"CPU {statistics.median(v[1] for v in values):.3f} s "
              f"(runs: {', '.join(f'{w:.2f}/{c:.2f}' for w, c in values)})")
    wall, cpu = time.perf_counter(), time.process_time()
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    print(f"services.campaign_close (new, whole request's work): "
          f"wall {time.perf_counter() - wall:.3f} s, CPU {time.process_time() - cpu:.3f} s")
    services.campaign_reopen(campaign=Campaign.objects.get(pk=final.pk), reason="Замер")
    assert tallies.stale() == [] if args.organizations <= 300 else True
    print(f"load average during the runs: {min(loads):.1f}–{max(loads):.1f}")


if __name__ == "__main__":
    main()
