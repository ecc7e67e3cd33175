from typing import Any

from django import forms

from tandem.diagnostics.forms import ImportForm
from tandem.directory.forms import ParticipantChecks, ParticipantForm
from tandem.roster.fileformat import PARTICIPANT_FIELDS


class RosterRowForm(ParticipantChecks, forms.Form):
    """One row of a roster file, checked exactly as the participant form checks a person
    typed in by hand: the same fields (lengths, required ones, e-mail, the experience
    range, the age bands) and the same rules (``ParticipantChecks``: consent dates not in
    the future, experience that fits the age band).

    What the form asks the database (is the e-mail taken?) the import answers for the
    whole file at once instead (``tandem.roster.imports``).
    """


# The participant form's own field objects; a form deep-copies its fields on creation,
# so sharing them is safe.
RosterRowForm.base_fields = {name: ParticipantForm.base_fields[name]
                             for name in PARTICIPANT_FIELDS}


class RosterUploadForm(ImportForm):
    """A roster file: XLSX or CSV, at most ``MAX_MB`` megabytes (the diagnostics import's
    limit and message) — or, for a region operator, ``LARGE_MAX_MB``: a whole region's
    roster, written to disk as it arrives and checked in the background."""

    LARGE_MAX_MB = 200

    def __init__(self, *args: Any, large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.MAX_MB = self.LARGE_MAX_MB if large else type(self).MAX_MB
