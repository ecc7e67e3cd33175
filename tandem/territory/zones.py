"""Time zones: the one home of «the zone of a region, a unit, a participant».

Each region keeps its own IANA zone (``Region.time_zone``; Tyumen is Asia/Yekaterinburg,
UTC+5); a new region starts with the installation's ``TANDEM_TIME_ZONE``. A municipality
and an organization are in their region's zone, a participant in their organization's.
The zone of a signed-in user is their scope's (``tandem.access.scope.Scope.zone``, read
in the same queries as the scope), and ``tandem.access.middleware.TimeZoneMiddleware``
activates it for the request; code with no request (the reminder run, letters) asks
these functions and wraps its work in ``timezone.override(zone)``.
"""

import datetime as dt
import zoneinfo
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from tandem.territory.models import Municipality, Organization, Region

UNKNOWN_ZONE = _(
    "Часовой пояс «%(name)s» не найден. Укажите имя из базы часовых поясов "
    "IANA, например Europe/Moscow (UTC+3) или Asia/Yekaterinburg (UTC+5)."
)
# The longest IANA names are about 30 characters; the column leaves room.
MAX_LENGTH = 64


# Russia's zones, west to east, as people call them; a region picks one of these (another
# IANA name stays possible through the admin, and is then shown as it is).
RUSSIAN_ZONES: dict[str, Any] = {  # name → its lazily translated label
    "Europe/Kaliningrad": _("Калининград"),
    "Europe/Moscow": _("Москва"),
    "Europe/Samara": _("Самара"),
    "Asia/Yekaterinburg": _("Екатеринбург, Тюмень"),
    "Asia/Omsk": _("Омск"),
    "Asia/Novosibirsk": _("Новосибирск"),
    "Asia/Krasnoyarsk": _("Красноярск"),
    "Asia/Irkutsk": _("Иркутск"),
    "Asia/Yakutsk": _("Якутск"),
    "Asia/Vladivostok": _("Владивосток"),
    "Asia/Magadan": _("Магадан"),
    "Asia/Kamchatka": _("Камчатка"),
}


def label(name: str) -> str:
    """«Екатеринбург, Тюмень (UTC+5)»: a zone as a person reads it (the offset today)."""
    offset = dt.datetime.now(zone_named(name)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{RUSSIAN_ZONES.get(name, name)} ({utc})"


def choices(current: str | None = None) -> list[tuple[str, str]]:
    """Russia's zones for a form, with the region's current one if it is another."""
    names = list(RUSSIAN_ZONES)
    for extra in (current, default_time_zone()):
        if extra and extra not in names and is_known(extra):
            names.append(extra)
    return [(n, label(n)) for n in names]


def default_time_zone() -> str:
    """The zone a new region starts with: the installation's ``TANDEM_TIME_ZONE``."""
    return str(settings.TANDEM_TIME_ZONE)


@cache
def _known() -> frozenset[str]:
    # The system's or the tzdata package's list; read once, it does not change at run time.
    return frozenset(zoneinfo.available_timezones())


def is_known(name: str) -> bool:
    return name in _known()


def validate_time_zone(name: str) -> None:
    """Refuses a name that is not an IANA zone (``Europe/Moscow``, not ``UTC+3``)."""
    if not is_known(name):
        raise ValidationError(UNKNOWN_ZONE, code="unknown_zone", params={"name": name})


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def zone_named(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone of that name; the installation's for none (a federal user, an anonymous
    visitor) or for a name no longer known (a stale row must not break a page)."""
    if name and is_known(name):
        return _zone(name)
    return _zone(default_time_zone())


def installation_zone() -> zoneinfo.ZoneInfo:
    return zone_named(None)


def region_zone(region: "Region | None") -> zoneinfo.ZoneInfo:
    return zone_named(region.time_zone if region is not None else None)


def unit_zone(unit: "Region | Municipality | Organization | None") -> zoneinfo.ZoneInfo:
    """The zone of a region, or of a municipality's or an organization's region (one
    query each for the related rows unless they are loaded: use ``select_related``)."""
    from tandem.territory.models import Municipality, Organization

    if isinstance(unit, Organization):
        unit = unit.municipality
    if isinstance(unit, Municipality):
        unit = unit.region
    return region_zone(unit)


class InOrganization(Protocol):
    @property
    def organization(self) -> "Organization": ...


def participant_zone(participant: InOrganization) -> zoneinfo.ZoneInfo:
    """A participant's zone: their organization → municipality → region."""
    return unit_zone(participant.organization)
