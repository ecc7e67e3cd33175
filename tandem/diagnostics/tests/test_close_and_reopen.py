"""Issue #14, defect 2: closing a diagnostic says who has not answered and asks once; the
curator may open it again with a reason (audited) for TANDEM_REOPEN_DAYS."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.diagnostics import services
from tandem.diagnostics.models import Campaign
from tandem.testing import World, build_diagnostics


def test_closing_asks_once_and_reopening_needs_a_reason(client: Client, world: World) -> None:
    campaign = build_diagnostics(world).campaign_a
    client.force_login(world.alice)
    close = reverse("diagnostics:close", kwargs={"pk": campaign.pk})
    html = client.post(close).content.decode()
    assert "Завершить диагностику" in html and "Отправили анкету:" in html
    assert "больше не смогут ответить" in html
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.OPEN
    html = client.post(close, {"confirmed": "1"}, follow=True).content.decode()
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.CLOSED
    assert "Открыть снова" in html
    reopen = reverse("diagnostics:campaign_reopen", kwargs={"pk": campaign.pk})
    html = client.post(reopen, {"reason": ""}, follow=True).content.decode()
    assert "почему диагностику открывают" in html
    client.post(reopen, {"reason": "двое не успели из-за болезни"})
    fresh = Campaign.objects.get(pk=campaign.pk)
    assert fresh.status == Campaign.Status.OPEN and fresh.closed_at is None
    entry = LogEntry.objects.get_for_object(fresh).order_by("-pk").first()
    assert entry is not None and entry.additional_data["reason"].startswith("двое")


def test_reopening_after_the_window_is_refused(world: World) -> None:
    campaign = build_diagnostics(world).campaign_a
    services.campaign_close(campaign=campaign)
    campaign.closed_at = timezone.now() - dt.timedelta(days=45)
    campaign.save()
    with pytest.raises(services.DiagnosticsError, match="срок прошёл"):
        services.campaign_reopen(campaign=campaign, reason="поздно")
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.CLOSED
