"""What each app's own demo stage (``<app>/demo.py``) receives from the demo's loader
(tandem/demo/services.py): the region, its units and the size of the run. It lives here,
at the bottom of the domain, so that every app can contribute a stage without importing
the loader, which sits above them all."""

from dataclasses import dataclass

from tandem.territory.models import Municipality, Organization, Region


@dataclass(frozen=True)
class DemoContext:
    """What a later stage of the demo (surveys, programmes, the school of mentors) builds on."""

    region: Region
    municipalities: dict[str, Municipality]
    organizations: dict[str, Organization]
    participants: int
    seed: int
    with_diagnostics: bool
