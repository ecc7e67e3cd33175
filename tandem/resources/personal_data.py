"""This app's part of the anonymisation (tandem/people/personal_data.py): a resource may
name its author."""

from tandem.people.personal_data import Erasure
from tandem.resources.models import Resource, ResourceImport


def anonymise(e: Erasure) -> None:
    e.scrub_rows(Resource.objects.all(), ["title", "owner_name", "description"])
    for pk, content in ResourceImport.objects.exclude(content=b"").values_list("pk", "content"):
        if e.mentions(content):
            ResourceImport.objects.filter(pk=pk).update(content=b"")
    e.scrub_rows(ResourceImport.objects.all(), ["filename"])
