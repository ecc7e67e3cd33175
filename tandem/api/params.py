"""Query parameters shared by the list endpoints: ``organization``, ``updated_since``."""

import datetime as dt
import re

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request

from tandem.api.errors import ApiError

_OFFSET_AS_SPACE = re.compile(r" (\d{2}(?::?\d{2})?)$")
NOT_A_NUMBER = _("Нужно целое число.")
TOO_LARGE = _("Слишком большое число.")
OUT_OF_RANGE = _("Дата вне допустимого диапазона.")
# The largest id a database can hold (a signed 64-bit integer): a bigger number in a
# query would crash the driver (SQLite's OverflowError) instead of matching nothing.
MAX_ID = 2**63 - 1
NOT_A_DATETIME = _("Нужны дата и время ISO 8601, например 2026-09-01T08:00:00+05:00.")

UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME,
    description="Только изменённые с этого момента (ISO 8601; без часового пояса — время "
                "сервера). / Only records changed at or after this moment.")
ORGANIZATION = OpenApiParameter("organization", OpenApiTypes.INT,
                                description="id организации / organization id")


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(code="validation_error", fields={name: [str(NOT_A_NUMBER)]})
    value = int(raw)
    if value > MAX_ID:
        raise ApiError(code="validation_error", fields={name: [str(TOO_LARGE)]})
    return value


def path_id(raw: object) -> int:
    """The ``{id}`` of a URL as a number; anything else (``null``, ``-1``, ``1e3``, an id
    no database can hold) names no object: 404, as for an id nobody has."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise ApiError(code="not_found", status_code=status.HTTP_404_NOT_FOUND)
    return int(text)


def updated_since(request: Request) -> dt.datetime | None:
    """The ``updated_since`` parameter as an aware datetime, or None if absent."""
    # An unescaped «+» of the offset arrives as a space.
    raw = _OFFSET_AS_SPACE.sub(r"+\1", request.query_params.get("updated_since", "").strip())
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = dt.datetime.combine(day, dt.time())
    except ValueError:
        moment = None
    if moment is None:
        raise ApiError(code="validation_error", fields={"updated_since": [str(NOT_A_DATETIME)]})
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # The database compares in UTC: 9999-12-31T23:59-23:59 does not fit there.
        moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ApiError(code="validation_error",
                       fields={"updated_since": [str(OUT_OF_RANGE)]}) from None
    return moment
