"""The monitoring filter form lives with the filters it fills: tandem/access/forms.py
(monitoring and surveys both use it). Re-exported here for the monitoring views."""

from tandem.access.forms import (
    BAD_DATE,
    BAD_ID,
    BAD_SECTOR,
    DATES_REVERSED,
    ORG_OUTSIDE_MUNICIPALITY,
    FiltersForm,
)

__all__ = ["BAD_DATE", "BAD_ID", "BAD_SECTOR", "DATES_REVERSED", "ORG_OUTSIDE_MUNICIPALITY",
           "FiltersForm"]
