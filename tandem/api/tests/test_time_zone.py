"""An API request signed with a key gets the clock of the key owner's region, as the pages
do (issue #16, item 1): the key is checked after the middleware, so the view sets it."""

from collections.abc import Callable

from django.utils import timezone
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.resources.models import Resource
from tandem.testing import World


def test_times_go_out_on_the_key_owners_regional_clock(
        world: World, api: Callable[[User | None], APIClient]) -> None:
    world.region.time_zone = "Europe/Moscow"  # UTC+3; the installation's is UTC+5
    world.region.save()
    resource = Resource.objects.create(title="Областной курс", kind="course", level="region",
                                       region=world.region)
    body = api(world.olga).get(f"/api/v1/resources/{resource.pk}/").json()
    assert body["updated_at"].endswith("+03:00"), body["updated_at"]
    # The zone is the request's only: nothing stays active after the answer.
    assert timezone.get_current_timezone_name() != "Europe/Moscow"
