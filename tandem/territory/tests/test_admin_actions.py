"""The admin offers no bulk deletion of municipalities (review of h/fedtech): several at
once took the regions' kept-sums locks in the order of the rows and could deadlock with a
rebuild; one at a time, each deletion re-sums its region alone."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from tandem.accounts.models import User
from tandem.territory.models import Municipality

pytestmark = pytest.mark.django_db


def test_no_bulk_deletion_of_municipalities() -> None:
    request = RequestFactory().get("/admin/territory/municipality/")
    request.user = User.objects.create_superuser("root@example.org", "root@example.org", "x")
    model_admin = admin.site._registry[Municipality]
    assert "delete_selected" not in model_admin.get_actions(request)
