"""An event keeps its region's wall clock (issue #16): the days on the certificate and the
time in its letters are the organizer region's, whoever reads or sends them."""

import datetime as dt

from tandem.school.documents import event_dates
from tandem.school.models import Event
from tandem.territory.models import Region

# 20:30 UTC on 1 March: 23:30 that day in Moscow, 01:30 on 2 March in Tyumen.
START = dt.datetime(2027, 3, 1, 20, 30, tzinfo=dt.UTC)


def _event(zone: str) -> Event:
    region = Region(pk=1, name="Область", code="oblast", time_zone=zone)
    return Event(
        title="Вебинар", region=region, starts_at=START, ends_at=START + dt.timedelta(minutes=20)
    )


def test_the_certificate_dates_are_the_organizers() -> None:
    assert event_dates(_event("Europe/Moscow")) == "1 марта 2027 г."
    assert event_dates(_event("Asia/Yekaterinburg")) == "2 марта 2027 г."
    # An hour long, it ends at 00:30 in Moscow: two days there, still one in Tyumen.
    late = _event("Europe/Moscow")
    late.ends_at = START + dt.timedelta(hours=1)
    assert event_dates(late) == "1–2 марта 2027 г."
    late.region.time_zone = "Asia/Yekaterinburg"
    assert event_dates(late) == "2 марта 2027 г."
