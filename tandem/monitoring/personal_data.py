"""Monitoring's part of an anonymisation (tandem/people/personal_data.py): the background
report files that list people (participants, pairs, effectiveness) are deleted whole —
any of them may name the person, and their XLSX is compressed, so it is not searched."""

from tandem.monitoring.models import ReportJob
from tandem.people.personal_data import Erasure

NAMING_PEOPLE = ("participants", "pairs", "effectiveness")


def anonymise(e: Erasure) -> None:
    ReportJob.objects.filter(report__in=NAMING_PEOPLE).delete()
