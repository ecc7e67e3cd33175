"""«Вернуть строку»: the row a user last deleted from a map, kept on the server for
:data:`LIFETIME` (one hour) in the cache of entries that name people
(tandem/web/personal_cache.py) — not in the user's session, which an anonymisation cannot
reach: the key names the map (``kept_key``), and a person's anonymisation deletes the
rows kept of the maps whose rows it goes through (:func:`forget`, from
maps/personal_data.py: their pairs' and teams' maps and those with their evidence), so a
row that named the erased person never comes back — and everyone else's stay. A deleted
row's links are kept apart, one entry per person who added them (the key names that user,
:data:`LINKS`): someone may add a link to a row of another pair's map (a curator), and
once the row is deleted no record of theirs leads the anonymiser to that map — it deletes
the links kept of the person instead (:func:`forget_uploads`), and the row comes back
without them (review of h/smalls, 2026-12-06). One row
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
LINKS = "maps-deleted-links"  # a deleted row's links, by the user who added them


def _key(user_id: int, the_map: Map) -> str:
    return kept_key(KIND, the_map.pk, str(user_id))


def _links_key(uploader: int, user_id: int, the_map: Map) -> str:
    return kept_key(LINKS, uploader, f"{user_id}:{the_map.pk}")


def forget_uploads(user_id: int) -> int:
    """Deletes the links this user added to rows that are now deleted and kept, whoever
    deleted them and whatever the map; how many entries went."""
    return forget_kept(LINKS, [user_id])


def forget(map_ids: Iterable[int]) -> int:
    """Deletes the rows kept of these maps, whoever deleted them; how many went."""
    return forget_kept(KIND, map_ids)


def remember(user_id: int, the_map: Map, snapshot: dict[str, Any]) -> None:
    """Keeps the row (``services.row_snapshot``) for this user's «Вернуть строку»: its
    links added by a user apart, under that user's key; those of the row this one replaces
    go."""
    cache = personal_cache()
    key = _key(user_id, the_map)
    by_uploader: dict[int, list[dict[str, Any]]] = {}
    kept = []
    for item in snapshot["evidence_items"]:
        if item["uploaded_by"] is None:
            kept.append(item)
        else:
            by_uploader.setdefault(item["uploaded_by"], []).append(item)
    before: dict[str, Any] | None = cache.get(key)
    for uploader in (before or {}).get("link_uploaders", ()):
        if uploader not in by_uploader:
            cache.delete(_links_key(uploader, user_id, the_map))
    for uploader, items in by_uploader.items():
        cache.set(_links_key(uploader, user_id, the_map), items, LIFETIME)
    cache.set(key, {**snapshot, "evidence_items": kept,
                    "link_uploaders": sorted(by_uploader)}, LIFETIME)


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
    items = list(kept["evidence_items"])
    for uploader in kept.get("link_uploaders", ()):
        links_key = _links_key(uploader, user_id, the_map)
        items += cache.get(links_key) or []  # gone: the user was anonymised meanwhile
        cache.delete(links_key)
    return {**kept, "evidence_items": items}
