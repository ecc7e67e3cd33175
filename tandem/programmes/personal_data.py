"""This app's part of the anonymisation (tandem/people/personal_data.py): a programme's
roadmap names who is responsible, its texts may name people."""

from tandem.people.personal_data import Erasure
from tandem.programmes.models import Indicator, Programme, RoadmapRow


def anonymise(e: Erasure) -> None:
    e.scrub_rows(RoadmapRow.objects.all(), ["responsible", "activity", "result"])
    e.scrub_rows(Programme.objects.all(), ["goals", "tasks", "forms_other",
                                           "technologies_other", "order_number"])
    e.scrub_rows(Indicator.objects.all(), ["title"])
