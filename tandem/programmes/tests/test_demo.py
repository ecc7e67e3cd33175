"""The demo stage of programmes: adopted programmes in most organizations, drafts in two,
and the adopted rules are what pair formation starts from there."""

import pytest
from django.test import Client
from django.urls import reverse

from tandem.demo import services as demo
from tandem.pairs.services import run_defaults
from tandem.programmes.demo import CAPACITY_TWO, DRAFTS, ROADMAP
from tandem.programmes.models import Programme
from tandem.territory.models import Organization


@pytest.mark.django_db
def test_demo_programmes(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "EXTENSIONS", ["tandem.programmes.demo.seed"])
    demo.demo_region_create(participants=120, with_diagnostics=False)
    organizations = Organization.objects.count()
    drafts = Programme.objects.filter(status=Programme.Status.DRAFT)
    assert set(drafts.values_list("organization__code", flat=True)) == DRAFTS
    assert Programme.objects.filter(status=Programme.Status.ADOPTED).count() == (
        organizations - len(DRAFTS))
    for programme in Programme.objects.prefetch_related("roadmap", "resources"):
        assert len(programme.roadmap.all()) == len(ROADMAP)
        assert programme.resources.all()
        level_ok = {r.organization_id in (None, programme.organization_id)
                    for r in programme.resources.all()}
        assert level_ok == {True}  # never another organization's resource
    orbita = Organization.objects.get(code="orbita")
    assert "orbita" in CAPACITY_TWO and run_defaults(orbita).options.capacity == 2
    # The page renders for its curator, with the documents.
    from tandem.accounts.models import User

    client.force_login(User.objects.get(username="curator-orbita"))
    programme = Programme.objects.get(organization=orbita)
    page = client.get(reverse("programmes:detail", kwargs={"pk": programme.pk}))
    assert page.status_code == 200 and "Начать новую редакцию" in page.content.decode()
    assert client.get(reverse("programmes:document", kwargs={
        "pk": programme.pk, "kind": "roadmap", "fmt": "pdf"})).status_code == 200
