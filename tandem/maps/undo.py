"""«Вернуть строку»: the row last deleted from a map, kept in the user's own session for
one undo (tandem/web/confirm.py asks before; this puts it back after). One row per
session: deleting another replaces it; putting it back, or the session's end, forgets it."""

from typing import Any

from django.http import HttpRequest

from tandem.maps.models import Map

KEY = "maps.deleted_row"


def remember(request: HttpRequest, the_map: Map, snapshot: dict[str, Any]) -> None:
    request.session[KEY] = {"map": the_map.pk, "row": snapshot}


def pending(request: HttpRequest, the_map: Map) -> dict[str, Any] | None:
    """The row deleted from this map that may be put back, if any."""
    kept = request.session.get(KEY)
    return kept["row"] if kept and kept.get("map") == the_map.pk else None


def forget(request: HttpRequest) -> None:
    request.session.pop(KEY, None)
