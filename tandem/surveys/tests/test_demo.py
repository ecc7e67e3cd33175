"""The demo's surveys: the mid-term round of active pairs, mostly answered."""

import pytest
from django.test import Client
from django.urls import reverse

from tandem.access.models import Role, RoleAssignment
from tandem.demo.services import demo_region_create
from tandem.pairs.models import Pair
from tandem.surveys.models import Survey


@pytest.mark.django_db
def test_demo_answers_most_mid_term_surveys(client: Client) -> None:
    demo_region_create(participants=150, seed=3)
    active = Pair.objects.filter(status=Pair.Status.ACTIVE).count()
    assert active > 0
    surveys = Survey.objects.filter(stage="mid")
    assert surveys.count() == 2 * active
    answered = surveys.filter(submitted_at__isnull=False)
    assert answered.count() > 0.7 * surveys.count()
    assert all(1 <= s.recommend <= 10 for s in answered)  # type: ignore[operator]
    curator = (RoleAssignment.objects.filter(role=Role.REGION_OPERATOR)
               .select_related("user").first())
    assert curator is not None
    client.force_login(curator.user)
    page = client.get(reverse("surveys:results")).content.decode()
    assert "скрыто" not in page.split("Итоговый")[0]  # the mid-term means are shown
