"""``{% route %}`` — ``{% url %}`` for the links a page prints in a loop, without a reverse each.

Django's ``{% url %}`` walks the URL resolver on every call (≈ 60 µs); a dashboard or a
list prints the same link a hundred times with only the key changing. ``route`` reverses a
name once per process (per URLconf and script prefix) with a sentinel number in place of
each argument and afterwards only substitutes the numbers: the same string ``reverse``
gives, for names whose arguments are ``<int:…>`` keys (the sentinel must come out intact,
else — and for any argument that is not a non-negative int — it falls back to ``reverse``);
string arguments (a chart's kind) are kept with their whole URL, a bounded cache.
Nothing per request is kept: only what ``reverse`` answers for the same name and arguments.
"""
from functools import lru_cache

from django import template
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

register = template.Library()

_SENTINEL = 9_876_543_210  # first argument's; the next ones count up


@lru_cache(maxsize=512)
def _shape(name: str, arity: int, urlconf: str | None, prefix: str) -> tuple[str, ...] | None:
    """The reversed URL cut at the arguments (arity + 1 pieces), or None when unsafe."""
    sentinels = [str(_SENTINEL + i) for i in range(arity)]
    try:
        url = reverse(name, args=[int(s) for s in sentinels], urlconf=urlconf)
    except NoReverseMatch:  # no shape: every call reverses (and raises) itself
        return None
    if any(url.count(s) != 1 for s in sentinels):
        return None
    pieces, rest = [], url
    for s in sentinels:  # in the order of the arguments, or no shape
        head, found, rest = rest.partition(s)
        if not found:
            return None
        pieces.append(head)
    pieces.append(rest)
    return tuple(pieces)


def route_url(name: str, *args: object) -> str:
    """``reverse(name, args=args)``, from the cached shape when every arg is a key."""
    if all(type(a) is int and a >= 0 for a in args):  # not bool, not a str of digits
        shape = _shape(name, len(args), get_urlconf(), get_script_prefix())
        if shape is not None:
            out = [shape[0]]
            for a, piece in zip(args, shape[1:], strict=True):
                out += (str(a), piece)
            return "".join(out)
    if all(type(a) is str for a in args):  # a chart's kind, a report's name: constants
        return _exact(name, tuple(args), get_urlconf(), get_script_prefix())  # type: ignore[arg-type]
    return reverse(name, args=args)


@lru_cache(maxsize=1024)
def _exact(name: str, args: tuple[str, ...], urlconf: str | None, prefix: str) -> str:
    return reverse(name, args=args, urlconf=urlconf)


@register.simple_tag
def route(name: str, *args: object) -> str:
    """``{% route 'pairs:detail' p.pk %}`` prints what ``{% url 'pairs:detail' p.pk %}`` does."""
    return route_url(name, *args)
