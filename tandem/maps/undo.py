"""«Вернуть строку»: the row a user last deleted from a map, kept on the server for
:data:`LIFETIME` (one hour) in the cache of entries that name people
(tandem/web/personal_cache.py) — not in the user's session, which an anonymisation cannot
reach: the key names the map (``kept_key``), and a person's anonymisation deletes the
rows kept of the maps whose rows it goes through (:func:`forget`, from
maps/personal_data.py: their pairs' and teams' maps and those with their evidence), so a
row that named the erased person never comes back — and everyone else's stay. One row
per user and map: deleting another replaces it. Putting it back takes it once
(:func:`take`: of two requests — two tabs, a double click — only the one whose delete
removed the entry gets it). An entry may go sooner: a full cache table drops some
(``MAX_ENTRIES``), and the anonymisation of one of the map's people drops it — then there
is nothing to put back, and the page says so. tandem/web/confirm.py asks before the
delete."""

from collections.abc import Iterable
from typing import Any

from tandem.maps.models import Map
from tandem.web.personal_cache import forget_kept, kept_key, personal_cache

LIFETIME = 60 * 60  # seconds; the notice and the confirmation say «в течение часа»
KIND = "maps-deleted-row"


def _key(user_id: int, the_map: Map) -> str:
    return kept_key(KIND, the_map.pk, str(user_id))


def forget(map_ids: Iterable[int]) -> int:
    """Deletes the rows kept of these maps, whoever deleted them; how many went."""
    return forget_kept(KIND, map_ids)


def remember(user_id: int, the_map: Map, snapshot: dict[str, Any]) -> None:
    personal_cache().set(_key(user_id, the_map), snapshot, LIFETIME)


def pending(user_id: int | None, the_map: Map) -> dict[str, Any] | None:
    """The row this user deleted from this map that may still be put back, if any."""
    if user_id is None:
        return None
    return personal_cache().get(_key(user_id, the_map))  # type: ignore[no-any-return]


def take(user_id: int, the_map: Map) -> dict[str, Any] | None:
    """The row to put back, claimed once: the cache's delete tells whether this request
    removed the entry (a database cache: one DELETE, which a second one waits for and
    then finds nothing; the memory cache: under its lock). None: nothing, or another
    request took it."""
    cache = personal_cache()
    key = _key(user_id, the_map)
    kept: dict[str, Any] | None = cache.get(key)
    if kept is None or not cache.delete(key):
        return None
    return kept
