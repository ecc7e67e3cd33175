"""Demo pair orders (a stage of ``tandem.demo.services.EXTENSIONS``, after the pairs and
maps): every demo organization with pairs approved by its curator has its «Приказ о
закреплении наставнических пар», dated the day before its first pair starts, as the
programme's roadmap puts the order at the stage of forming pairs. Map documents then
carry «Приказ № … от …». A fixed number of queries per organization, bulk inserts: it runs
at 30,000 participants too."""

import datetime as dt
from collections import defaultdict

from tandem.pairs.models import Pair, PairOrder
from tandem.territory.demo import DemoContext

# Heads of the demo organizations are not demo participants; one plausible name each.
HEADS = ["Соколова Елена Викторовна", "Морозов Андрей Петрович", "Кузнецова Наталья Ивановна",
         "Павлов Сергей Николаевич", "Васильева Ольга Михайловна", "Николаев Игорь Юрьевич",
         "Фёдорова Татьяна Сергеевна", "Андреев Михаил Александрович"]
FIRST_NUMBER = 52


def seed(context: DemoContext) -> None:
    pairs = (Pair.objects.filter(organization__municipality__region=context.region)
             .values_list("pk", "organization_id", "starts_on").order_by("pk"))
    by_org: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for pk, org_id, starts_on in pairs.iterator(chunk_size=5000):
        by_org[org_id].append((pk, starts_on))
    orders = []
    for n, org in enumerate(sorted(context.organizations.values(), key=lambda o: o.pk)):
        if org.pk not in by_org:
            continue
        first = min(starts_on for _pk, starts_on in by_org[org.pk])
        orders.append(PairOrder(
            organization=org, number=f"{FIRST_NUMBER + n}-од",
            date=first - dt.timedelta(days=1), head_name=HEADS[n % len(HEADS)],
            head_position="Директор"))
    PairOrder.objects.bulk_create(orders)
    PairOrder.pairs.through.objects.bulk_create(
        [PairOrder.pairs.through(pairorder_id=order.pk, pair_id=pk)
         for order in orders for pk, _starts_on in by_org[order.organization_id]],
        batch_size=5000)
