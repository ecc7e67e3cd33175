"""URL path converters shared by the apps."""

import re

from django.urls import register_converter


def register_choice(name: str, *values: str) -> None:
    """A converter that matches exactly one of ``values`` (e.g. a file format)."""

    class Choice:
        regex = "|".join(re.escape(v) for v in values)

        def to_python(self, value: str) -> str:
            return value

        def to_url(self, value: str) -> str:
            return value

    register_converter(Choice, name)
