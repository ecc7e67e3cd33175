"""Every URL in the URLconf, against every persona.

The registry below must name every URL pattern: a new view that is not added here
fails ``test_every_url_is_in_the_matrix``, so no page can be forgotten.
"""

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.access.tests.personas import federal_operator
from tandem.diagnostics.models import Answer, Campaign, FrameworkVersion, Response, ResultImport
from tandem.maps.models import Map, Meeting, Reflection, Row, TaskTemplate
from tandem.pairs.models import MatchingRun, Pair, PairRule
from tandem.people.models import Participant
from tandem.programmes.tests import matrix_support as pm
from tandem.resources.models import Resource, ResourceImport
from tandem.roster.services import roster_import_check, roster_import_store
from tandem.school.models import Certificate, Material, Registration
from tandem.territory.models import Municipality, Organization, Region
from tandem.testing import (
    DiagnosticsWorld,
    MunicipalityFactory,
    OrganizationFactory,
    PairsWorld,
    ParticipantFactory,
    RegionFactory,
    TrainingWorld,
    World,
    build_diagnostics,
    build_matrix_map,
    build_pairs,
    build_resources,
    build_school,
    build_training,
    build_world,
    built_once,
)
from tandem.training.models import Team as TrainingTeam

# Fred is the federal operator (#13): he owns the shared competency framework and sees
# nobody's personal data — no participant, pair, map or campaign of any region (lists
# answer him empty: "fred" in sees_own_data_only).
PERSONAS = ["anonymous", "bob", "alice", "charlie", "dave", "erin", "olga", "fred"]
STAFF_OF_A = {"alice", "erin", "olga"}
# 401: the API's answer to a request with neither a session nor a key.
REFUSED = {302, 401, 403, 404}


# Pages anyone may open, and the log-in machinery.
PUBLIC = {"login", "password_reset", "password_reset_done", "password_reset_confirm",
          "password_reset_complete", "health", "school:verify", "school:verify_code"}


@dataclass
class Case:
    allowed: set[str]
    kwargs: Callable[[World], dict[str, object]] = lambda w: {}
    # GET: text that only an allowed persona may see in the page.
    marker: Callable[[World], str] | None = None
    # POST: the form data, and a check that the change took effect.
    post: Callable[[World], dict[str, str]] | None = None
    took_effect: Callable[[World], bool] | None = None
    # Personas that get a page (200) but must not see the marker.
    sees_own_data_only: set[str] = field(default_factory=set)
    # What an allowed POST answers: a redirect, or 200 for an htmx fragment.
    ok_status: int = 302
    # A query string the view needs (e.g. ?organization=…).
    query: Callable[[World], str] = lambda w: ""


def _deactivated(w: World) -> bool:
    return not Participant.objects.get(pk=w.carol_p.pk).is_active


def _reactivated(w: World) -> bool:
    return Participant.objects.get(pk=w.carol_p.pk).is_active


def _revoked(w: World) -> bool:
    return not RoleAssignment.objects.filter(user=w.alice, role=Role.CURATOR).exists()


def _alice_assignment(w: World) -> dict[str, object]:
    a = RoleAssignment.objects.get(user=w.alice, role=Role.CURATOR)
    return {"pk": w.org_a.pk, "assignment_pk": a.pk}


# Every login of a region (the federal operator has none: see FRAMEWORK_OWNERS).
ALL_LOGGED_IN = set(PERSONAS) - {"anonymous", "fred"}
EVERY_LOGIN = ALL_LOGGED_IN | {"fred"}
# Who changes the framework every region shares: the federal operator (and the superuser).
FRAMEWORK_OWNERS = {"fred"}
ALL_STAFF = {"alice", "charlie", "dave", "erin", "olga"}


def _d(w: World) -> DiagnosticsWorld:
    assert w.diag is not None
    return w.diag


def _campaign(w: World) -> dict[str, object]:
    return {"pk": _d(w).campaign_a.pk}


def _closed_campaign(w: World) -> dict[str, object]:
    """Campaign A, closed just now (so that it may be reopened)."""
    from tandem.diagnostics.services import campaign_close

    campaign = _d(w).campaign_a
    campaign.refresh_from_db()
    if campaign.status == "open":
        campaign_close(campaign=campaign)
    return _campaign(w)


def _revoked_certificate(w: World) -> dict[str, object]:
    """The school world's certificate, revoked just now (so that it may be restored)."""
    from tandem.school.services import certificate_revoke

    certificate = build_school(w).certificate
    certificate.refresh_from_db()
    if certificate.revoked_at is None:
        certificate_revoke(certificate=certificate, user=None, reason="проверка")
    return {"pk": certificate.pk}


def _ban(w: World) -> dict[str, object]:
    """A ban of Bob ⇄ Carol in school A (to be lifted)."""
    rule, _created = PairRule.objects.get_or_create(
        a=w.bob_p if w.bob_p.pk < w.carol_p.pk else w.carol_p,
        b=w.carol_p if w.bob_p.pk < w.carol_p.pk else w.bob_p,
        defaults={"kind": "forbid", "organization": w.org_a})
    return {"pk": rule.pk}


def _alices_notification(w: World) -> dict[str, object]:
    """A notification of Alice's: only she may open it (another's id is a 404)."""
    from tandem.notifications.models import Notification

    n, _created = Notification.objects.get_or_create(
        user=w.alice, kind="pair_proposed", defaults={"text": "Пара Альфа", "url": "/pairs/"})
    return {"pk": n.pk}


def _carol_r(w: World) -> dict[str, object]:
    return {"pk": _d(w).carol_r.pk}


PAIRS: dict[int, PairsWorld] = {}
MAPS: dict[int, dict[str, Any]] = {}


def _m(w: World) -> dict[str, Any]:
    return MAPS[w.org_a.pk]


def _map_pair(w: World) -> dict[str, object]:
    return {"pair_pk": _p(w).pair.pk}  # type: ignore[attr-defined]


def _map_row(w: World) -> dict[str, object]:
    return {"pk": _m(w)["row"].pk}


def _library_row(w: World) -> dict[str, object]:
    Row.objects.filter(pk=_m(w)["row"].pk).update(technology="ict_practicum")
    return _map_row(w)


def _a_template(w: World) -> dict[str, object]:
    return {"pk": TaskTemplate.objects.order_by("position", "pk").values_list(
        "pk", flat=True).first()}


ROW_DATA = {"direction": "ab", "new-title": "Новая строка", "new-current_level": "1",
            "new-target_level": "2", "new-task": "Задача", "new-deadline": "2027-02-01",
            "new-product": "Продукт", "new-evidence": "Показ"}


def _p(w: World) -> PairsWorld:
    return PAIRS[w.org_a.pk]


def _run(w: World) -> dict[str, object]:
    return {"pk": _p(w).run.pk}  # type: ignore[attr-defined]


def _bob_carol(w: World) -> dict[str, str]:
    return {"a": str(w.bob_p.pk), "b": str(w.carol_p.pk)}


def _resource_a(w: World) -> dict[str, object]:
    return {"pk": Resource.objects.get(title="Ресурс Школы А").pk}


def _alice_resource_upload(w: World) -> dict[str, object]:
    csv = "название;тип;компетенции\nЗагружено из файла;вебинар;ict.ai_lessons\n".encode()
    upload = ResourceImport.objects.create(organization=w.org_a, uploaded_by=w.alice,
                                           filename="c.csv", content=csv)
    return {"upload_pk": upload.pk}


def _alice_upload(w: World) -> dict[str, object]:
    csv = b"email;ict.ai_lessons\nalice@example.org;2\n"
    upload = ResultImport.objects.create(campaign=_d(w).campaign_a, uploaded_by=w.alice,
                                         filename="r.csv", content=csv)
    return {"pk": _d(w).campaign_a.pk, "upload_pk": upload.pk}


def _alice_roster(w: World) -> dict[str, object]:
    csv = ("Фамилия;Имя;Должность;Стаж (лет);Возрастная группа;E-mail\n"
           "Новикова;Ольга;учитель;5;u25;novikova@example.org\n"
           "Каролёва;Карина;учитель;10;35-44;carol@example.org\n").encode()
    upload = roster_import_store(user=w.alice, filename="roster.csv", content=csv)
    roster_import_check(upload=upload, scope=scope_for(w.alice))
    return {"pk": upload.pk}


def _alice_roster_problems(w: World) -> dict[str, object]:
    """A checked upload of Alice's with a wrong row: its list of problems names it."""
    csv = ("Фамилия;Имя;Должность;Стаж (лет);Возрастная группа;E-mail\n"
           "Новикова;Ольга;учитель;5;u25;не-адрес\n").encode()
    upload = roster_import_store(user=w.alice, filename="roster.csv", content=csv)
    roster_import_check(upload=upload, scope=scope_for(w.alice))
    return {"pk": upload.pk}


def _alice_export(w: World) -> dict[str, object]:
    """A finished background export of Alice's: the file names Carol."""
    from tandem.roster.models import RosterExport

    job = RosterExport.objects.create(
        requested_by=w.alice, rights=scope_for(w.alice).fingerprint,
        fmt="csv", total=1, done=1, filename="участники.csv",
        status=RosterExport.Status.DONE, content="Каролёва;Карина\n".encode())
    return {"pk": job.pk}


def _alice_report(w: World) -> dict[str, object]:
    """A finished background monitoring report of Alice's: the file names Carol."""
    from tandem.monitoring.models import ReportJob

    job = ReportJob.objects.create(
        requested_by=w.alice, rights=scope_for(w.alice).fingerprint,
        report="participants", fmt="xlsx", total=1, done=1,
        filename="participants.xlsx", status=ReportJob.Status.DONE,
        content="Каролёва Карина".encode())
    return {"pk": job.pk}


def _school_event(w: World) -> dict[str, object]:
    return {"pk": build_school(w).event.pk}


def _school_query(w: World) -> str:
    build_school(w)
    return ""


def _t(w: World) -> TrainingWorld:
    return build_training(w)


def _training_built(w: World) -> dict[str, object]:
    build_training(w)
    return {}


TRAINERS = {"erin", "olga"}
MATRIX: dict[str, Case] = {
    "dashboard": Case(allowed=STAFF_OF_A, marker=lambda w: "Город А",
                      sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "password_change": Case(allowed=EVERY_LOGIN),
    "password_change_done": Case(allowed=EVERY_LOGIN),
    "logout": Case(allowed=EVERY_LOGIN, post=lambda w: {}),
    # The region's page lists municipalities; a municipality opened lists its
    # organizations (a forged one outside the scope: 404).
    "territory:tree": Case(allowed=STAFF_OF_A, marker=lambda w: "Школа А",
                           query=lambda w: f"?municipality={w.municipality_a.pk}",
                           sees_own_data_only={"charlie", "dave"}),
    # htmx: a municipality's organizations for a form's select (another's: 404).
    "territory:choices": Case(allowed=STAFF_OF_A, marker=lambda w: "Школа А",
                              query=lambda w: f"?municipality={w.municipality_a.pk}",
                              sees_own_data_only={"charlie", "dave"}),
    "territory:detail": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.org_a.pk},
                             marker=lambda w: "Школа А"),
    "territory:curator_revoke": Case(allowed={"erin", "olga"}, kwargs=_alice_assignment,
                                     post=lambda w: {}, took_effect=_revoked),
    "people:list": Case(allowed=STAFF_OF_A, marker=lambda w: "Каролёва",
                        sees_own_data_only={"charlie", "dave"}),
    # A region operator's card form offers the organizations of one municipality: the
    # link of an organization's page (its municipality); an outsider's is not theirs.
    "people:create": Case(allowed=STAFF_OF_A, marker=lambda w: "Школа А",
                          query=lambda w: f"?organization={w.org_a.pk}",
                          sees_own_data_only={"charlie", "dave"}),
    "people:detail": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.carol_p.pk},
                          marker=lambda w: "Каролёва"),
    "people:edit": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.carol_p.pk},
                        marker=lambda w: "Каролёва"),
    "people:deactivate": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.carol_p.pk},
                              post=lambda w: {"reason": "увольнение"},
                              took_effect=_deactivated),
    "people:reactivate": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.carol_p.pk},
                              post=lambda w: {}, took_effect=_reactivated),
    "audit:log": Case(allowed={"olga"}, marker=lambda w: "Каролёва"),
    "people:data_json": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.carol_p.pk},
                             marker=lambda w: "Каролёва"),
    "people:data_xlsx": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.carol_p.pk}),
    "people:anonymise": Case(allowed={"olga"}, kwargs=lambda w: {"pk": w.carol_p.pk},
                             post=lambda w: {"confirm": "yes"},
                             took_effect=lambda w: Participant.objects.get(
                                 pk=w.carol_p.pk).is_anonymised),
    "diagnostics:campaigns": Case(allowed=STAFF_OF_A, marker=lambda w: "Диагностика А",
                                  sees_own_data_only={"charlie", "dave"}),
    # The region operator's «Для кого» lists no organization until a municipality is
    # chosen (issue #16; its choices and refusals: directory/tests/test_organization_choice):
    # here the page opens for Olga without naming School A.
    "diagnostics:campaign_create": Case(allowed={"alice", "erin"}, marker=lambda w: "Школа А",
                                        sees_own_data_only={"charlie", "dave", "olga"}),
    "diagnostics:campaign": Case(allowed=STAFF_OF_A, kwargs=_campaign,
                                 marker=lambda w: "Каролёва"),
    "diagnostics:map": Case(allowed=STAFF_OF_A, kwargs=_campaign, marker=lambda w: "Каролёва"),
    "diagnostics:remind": Case(
        allowed=STAFF_OF_A, kwargs=_campaign, post=lambda w: {},
        took_effect=lambda w: Response.objects.get(pk=_d(w).bob_r.pk).reminded_at is not None),
    "diagnostics:close": Case(
        allowed=STAFF_OF_A, kwargs=_campaign, post=lambda w: {"confirmed": "1"},
        took_effect=lambda w: Campaign.objects.get(pk=_d(w).campaign_a.pk).status == "closed"),
    "diagnostics:campaign_reopen": Case(
        allowed=STAFF_OF_A, kwargs=_closed_campaign, post=lambda w: {"reason": "ошибка"},
        took_effect=lambda w: Campaign.objects.get(pk=_d(w).campaign_a.pk).status == "open"),
    "diagnostics:import": Case(allowed=STAFF_OF_A, kwargs=_campaign,
                               marker=lambda w: "Диагностика А"),
    "diagnostics:import_commit": Case(
        allowed={"alice"}, kwargs=_alice_upload, post=lambda w: {},
        took_effect=lambda w: Response.objects.get(pk=_d(w).alice_r.pk).locked),
    "diagnostics:mine": Case(allowed={"alice", "bob"}, marker=lambda w: "Диагностика А",
                             sees_own_data_only={"charlie"}),
    "diagnostics:questionnaire": Case(allowed=STAFF_OF_A, kwargs=_carol_r,
                                      marker=lambda w: "Каролёва"),
    "diagnostics:autosave": Case(
        allowed={"bob"}, kwargs=lambda w: {"pk": _d(w).bob_r.pk}, ok_status=200,
        post=lambda w: {"code": "ict.ai_lessons", "level-ict.ai_lessons": "1"},
        took_effect=lambda w: Answer.objects.filter(response=_d(w).bob_r,
                                                    competency="ict.ai_lessons",
                                                    self_level=1).exists()),
    "diagnostics:reopen": Case(
        allowed=STAFF_OF_A, kwargs=_carol_r, post=lambda w: {},
        took_effect=lambda w: not Response.objects.get(pk=_d(w).carol_r.pk).locked),
    "diagnostics:expert": Case(allowed=STAFF_OF_A, kwargs=_carol_r, marker=lambda w: "Каролёва"),
    "diagnostics:profile": Case(allowed=STAFF_OF_A, kwargs=_carol_r,
                                marker=lambda w: "Каролёва"),
    "diagnostics:radar": Case(allowed=STAFF_OF_A,
                              kwargs=lambda w: {"pk": _d(w).carol_r.pk, "fmt": "svg"}),
    # The framework is shared by every region: staff read it, only its owner changes it
    # (#13: a region operator may not change the instrument of every other region).
    "diagnostics:framework": Case(allowed=ALL_STAFF | FRAMEWORK_OWNERS),
    # A region operator adds her region's own competencies (#16 item 1): she may open the
    # form, change her region's (and no federal one), as test_regional.py shows in full.
    "diagnostics:competency_create": Case(allowed=FRAMEWORK_OWNERS | {"olga"}),
    "diagnostics:competency_edit": Case(allowed=FRAMEWORK_OWNERS, kwargs=lambda w: {"pk": 1}),
    "resources:catalogue": Case(allowed=STAFF_OF_A | {"bob"}, marker=lambda w: "Ресурс Школы А",
                                sees_own_data_only={"fred", "charlie", "dave"}),
    # Each keeper's own catalogue only (the federal operator the country's); the owner
    # choices are tested in test_resources.py and test_federal_catalogue.py.
    "resources:create": Case(allowed=ALL_STAFF | FRAMEWORK_OWNERS),
    "resources:detail": Case(allowed=STAFF_OF_A | {"bob"}, kwargs=_resource_a,
                             marker=lambda w: "Ресурс Школы А"),
    "resources:edit": Case(allowed={"alice"}, kwargs=_resource_a,
                           marker=lambda w: "Ресурс Школы А"),
    # Like create: each keeper chooses among own units (tested in test_import.py).
    "resources:import": Case(allowed=ALL_STAFF | FRAMEWORK_OWNERS),
    "resources:import_template": Case(allowed=ALL_STAFF | FRAMEWORK_OWNERS),
    # Only the uploader, and only while they keep the unit.
    "resources:import_commit": Case(
        allowed={"alice"}, kwargs=_alice_resource_upload, post=lambda w: {},
        took_effect=lambda w: Resource.objects.filter(title="Загружено из файла").exists()),
    "pairs:list": Case(allowed=STAFF_OF_A, marker=lambda w: "Дёмин",
                       sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "pairs:formation": Case(allowed=STAFF_OF_A, marker=lambda w: "Школа А",
                            query=lambda w: f"?municipality={w.municipality_a.pk}",
                            sees_own_data_only={"charlie", "dave"}),
    "pairs:run": Case(allowed=STAFF_OF_A, kwargs=_run, marker=lambda w: "Каролёва"),
    "pairs:run_progress": Case(allowed=STAFF_OF_A, kwargs=_run),
    "pairs:rule": Case(allowed=STAFF_OF_A, kwargs=_run,
                       post=lambda w: {**_bob_carol(w), "kind": "forbid"},
                       took_effect=lambda w: PairRule.objects.exists()),
    "pairs:rerun": Case(allowed=STAFF_OF_A, kwargs=_run, post=lambda w: {},
                        took_effect=lambda w: MatchingRun.objects.count() > 1),
    "pairs:manual": Case(allowed=STAFF_OF_A, kwargs=_run, query=lambda w: (
        f"?a={w.bob_p.pk}&b={w.carol_p.pk}"), marker=lambda w: "Каролёва"),
    "maps:pair_approve": Case(
        allowed=STAFF_OF_A, kwargs=_run,
        post=lambda w: {"pair": "-".join(sorted(_bob_carol(w).values(), key=int)),
                        "starts_on": "2026-12-01", "ends_on": "2027-05-31"},
        took_effect=lambda w: Pair.objects.filter(a=w.bob_p).exists()
        or Pair.objects.filter(b=w.bob_p).exists()),
    "pairs:detail": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": _p(w).pair.pk},  # type: ignore[attr-defined]
                         marker=lambda w: "Дёмин"),
    "maps:pair_confirm": Case(allowed={"alice"}, kwargs=lambda w: {"pk": _p(w).pair.pk},  # type: ignore[attr-defined]
                          post=lambda w: {},
                          took_effect=lambda w: Pair.objects.get(
                              pk=_p(w).pair.pk).a_confirmed_at is not None),  # type: ignore[attr-defined]
    "maps:pair_decline": Case(allowed={"alice"}, kwargs=lambda w: {"pk": _p(w).pair.pk},  # type: ignore[attr-defined]
                              post=lambda w: {"reason": "перехожу в другую школу",
                                              "confirmed": "1"},
                              took_effect=lambda w: Pair.objects.get(
                                  pk=_p(w).pair.pk).status == "declined"),  # type: ignore[attr-defined]
    "reminders:send_now": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": _p(w).pair.pk},  # type: ignore[attr-defined]
                               post=lambda w: {}, ok_status=302),
    "pairs:rule_delete": Case(allowed=STAFF_OF_A, kwargs=_ban, post=lambda w: {},
                              took_effect=lambda w: not PairRule.objects.exists()),
    "people:email_settings": Case(allowed={"alice", "bob", "charlie"},
                                  post=lambda w: {"email_reminders": "off"},
                                  took_effect=lambda w: Participant.objects.filter(
                                      email_reminders="off").exists()),
    "notifications:list": Case(allowed=set(PERSONAS) - {"anonymous"}),
    "notifications:open": Case(
        allowed={"alice"}, kwargs=_alices_notification, post=lambda w: {},
        took_effect=lambda w: w.alice.notifications.filter(read_at__isnull=False).exists()),
    "notifications:read_all": Case(allowed=set(PERSONAS) - {"anonymous"}, post=lambda w: {}),
    "pairs:order_create": Case(allowed=STAFF_OF_A,
                               query=lambda w: f"?organization={w.org_a.pk}",
                               marker=lambda w: "Дёмин"),
    "pairs:order_docx": Case(allowed=STAFF_OF_A,
                             kwargs=lambda w: {"pk": _p(w).order.pk}),  # type: ignore[attr-defined]
    "maps:detail": Case(allowed=STAFF_OF_A, kwargs=_map_pair, marker=lambda w: "Строка карты А"),
    "maps:row_add": Case(allowed=STAFF_OF_A, kwargs=_map_pair, post=lambda w: ROW_DATA,
                         took_effect=lambda w: Row.objects.filter(title="Новая строка").exists()),
    "maps:status": Case(allowed=STAFF_OF_A, kwargs=_map_pair,
                        post=lambda w: {"action": "end", "reason": "по соглашению",
                                        "confirmed": "1"},
                        took_effect=lambda w: Map.objects.filter(status="ended_early").exists()),
    "maps:meeting_add": Case(allowed=STAFF_OF_A, kwargs=_map_pair, post=lambda w: {
        "date": "2027-01-10", "format": "offline", "topic": "Встреча",
        "duration_minutes": "45"}, took_effect=lambda w: Meeting.objects.exists()),
    "maps:calendar": Case(allowed=STAFF_OF_A, kwargs=_map_pair),
    "maps:reflection": Case(allowed={"alice"}, kwargs=_map_pair,
                            post=lambda w: {"direction": "ab", "text": "Научилась многому"},
                            took_effect=lambda w: Reflection.objects.exists()),
    "maps:docx": Case(allowed=STAFF_OF_A, kwargs=_map_pair),
    "maps:pdf": Case(allowed=STAFF_OF_A, kwargs=_map_pair),
    "maps:row_edit": Case(allowed=STAFF_OF_A, kwargs=_map_row,
                          marker=lambda w: "Строка карты А"),
    "maps:row_delete": Case(allowed=STAFF_OF_A, kwargs=_map_row,
                            post=lambda w: {"confirmed": "1"},
                            took_effect=lambda w: not Row.objects.filter(
                                pk=_m(w)["row"].pk).exists()),
    # Puts back the row this user deleted (kept on the server, maps/undo.py): an outsider
    # gets a 404 for the map before anything kept is read.
    "maps:row_restore": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"map_pk": _m(w)["map"].pk},
                             post=lambda w: {}),
    "maps:row_resource": Case(
        allowed=STAFF_OF_A, kwargs=_map_row,
        post=lambda w: {"resource": str(Resource.objects.get(title="Областной курс").pk),
                        "action": "add"},
        took_effect=lambda w: _m(w)["row"].resources.exists()),
    "maps:row_done": Case(allowed=STAFF_OF_A, kwargs=_map_row,
                          post=lambda w: {"link": "https://example.org/proof"},
                          took_effect=lambda w: Row.objects.get(
                              pk=_m(w)["row"].pk).done_at is not None),
    "maps:evidence": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": _m(w)["evidence"].pk}),
    "maps:row_swap": Case(allowed=STAFF_OF_A, kwargs=_map_row, post=lambda w: {"version": "1"},
                          took_effect=lambda w: Row.objects.get(
                              pk=_m(w)["row"].pk).template_id != ""),
    # Saving a row into the organization's library is the curator's (staff), not the pair's.
    "maps:row_to_library": Case(allowed={"alice", "erin", "olga"}, kwargs=_library_row,
                                post=lambda w: {},
                                took_effect=lambda w: TaskTemplate.objects.filter(
                                    organization=w.org_a).exists()),
    # The task library: the region operator's (and the superuser's).
    "maps:library": Case(allowed={"olga"}, marker=lambda w: "Тестовая область"),
    "maps:template_new": Case(allowed={"olga"}),
    "maps:template_edit": Case(allowed={"olga"}, kwargs=_a_template),
    "maps:template_toggle": Case(allowed={"olga"}, kwargs=_a_template, post=lambda w: {},
                                 took_effect=lambda w: TaskTemplate.objects.filter(
                                     region=w.region, is_active=False).exists()),
    "maps:library_export": Case(allowed={"olga"}),
    "maps:library_import": Case(allowed={"olga"}, post=lambda w: {}),
    "diagnostics:publish": Case(
        allowed=FRAMEWORK_OWNERS, post=lambda w: {"note": "правка"},
        took_effect=lambda w: FrameworkVersion.objects.count() > 1),
    "roster:import": Case(allowed=STAFF_OF_A, marker=lambda w: "school-a",
                          sees_own_data_only={"charlie", "dave"}),
    "roster:template": Case(allowed=ALL_STAFF),
    "roster:export": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"fmt": "csv"},
                          marker=lambda w: "Каролёва", sees_own_data_only={"charlie", "dave"}),
    # An upload holds data not saved yet: only its uploader may see or commit it.
    "roster:preview": Case(allowed={"alice"}, kwargs=_alice_roster,
                           marker=lambda w: "Новикова"),
    "roster:progress": Case(allowed={"alice"}, kwargs=_alice_roster),
    "roster:problems": Case(allowed={"alice"}, kwargs=_alice_roster_problems,
                            marker=lambda w: "Новикова Ольга"),
    # A background export holds personal data: only whoever asked for it (#16, 4).
    "roster:export_job": Case(allowed={"alice"}, kwargs=_alice_export,
                              marker=lambda w: "Файл готов"),
    "roster:export_file": Case(allowed={"alice"}, kwargs=_alice_export,
                               marker=lambda w: "Каролёва"),
    "roster:commit": Case(
        allowed={"alice"}, kwargs=_alice_roster, post=lambda w: {},
        took_effect=lambda w: Participant.objects.filter(email="novikova@example.org").exists()),
    # REST API v1 (tandem/api): the same scope as the pages, as JSON; writes and the
    # teacher's own record are tested in tandem/api/tests.
    "api:region-list": Case(allowed=ALL_STAFF, marker=lambda w: "Тестовая область",
                            sees_own_data_only={"fred", "bob"}),
    "api:region-detail": Case(allowed=ALL_STAFF, kwargs=lambda w: {"pk": w.region.pk},
                              marker=lambda w: "Тестовая область"),
    "api:municipality-list": Case(allowed=STAFF_OF_A, marker=lambda w: "Город А",
                                  sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "api:municipality-detail": Case(allowed=STAFF_OF_A,
                                    kwargs=lambda w: {"pk": w.municipality_a.pk},
                                    marker=lambda w: "Город А"),
    "api:organization-list": Case(allowed=STAFF_OF_A, marker=lambda w: "Школа А",
                                  sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "api:organization-detail": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.org_a.pk},
                                    marker=lambda w: "Школа А"),
    "api:participant-list": Case(allowed=STAFF_OF_A, marker=lambda w: "Каролёва",
                                 sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "api:participant-detail": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": w.carol_p.pk},
                                   marker=lambda w: "Каролёва"),
    "api:participant-deactivate": Case(allowed=STAFF_OF_A,
                                       kwargs=lambda w: {"pk": w.carol_p.pk},
                                       post=lambda w: {"reason": "увольнение"}, ok_status=200,
                                       took_effect=_deactivated),
    "api:participant-reactivate": Case(allowed=STAFF_OF_A,
                                       kwargs=lambda w: {"pk": w.carol_p.pk},
                                       post=lambda w: {}, ok_status=200,
                                       took_effect=_reactivated),
    "api:framework": Case(allowed=EVERY_LOGIN, marker=lambda w: "ict.ai_lessons"),
    "api:campaign-list": Case(allowed=STAFF_OF_A, marker=lambda w: "Диагностика А",
                              sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "api:campaign-detail": Case(allowed=STAFF_OF_A, kwargs=_campaign,
                                marker=lambda w: "Диагностика А"),
    "api:campaign-results": Case(allowed=STAFF_OF_A, kwargs=_campaign,
                                 marker=lambda w: "Каролёва"),
    "api:pair-list": Case(allowed=STAFF_OF_A, marker=lambda w: "Дёмин",
                          sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "api:pair-detail": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": _p(w).pair.pk},  # type: ignore[attr-defined]
                            marker=lambda w: "Дёмин"),
    "api:map-list": Case(allowed=STAFF_OF_A, marker=lambda w: "Строка карты А",
                         sees_own_data_only={"fred", "bob", "charlie", "dave"}),
    "api:map-detail": Case(allowed=STAFF_OF_A, kwargs=lambda w: {"pk": _m(w)["row"].map_id},
                           marker=lambda w: "Строка карты А"),
    "api:resource-list": Case(allowed=STAFF_OF_A | {"bob"}, marker=lambda w: "Ресурс Школы А",
                              sees_own_data_only={"fred", "charlie", "dave"}),
    "api:resource-detail": Case(allowed=STAFF_OF_A | {"bob"}, kwargs=_resource_a,
                                marker=lambda w: "Ресурс Школы А"),
    "api:schema": Case(allowed=EVERY_LOGIN, marker=lambda w: "/api/v1/participants/"),
    "api:docs": Case(allowed=EVERY_LOGIN),
    "api:token": Case(allowed=EVERY_LOGIN),
    # Any other /api/v1/…/ address: the API's JSON 404, for everyone.
    "api:not-found": Case(allowed=set()),
    # Surveys (tandem/surveys): only the respondent opens a survey; the results are
    # aggregates of the staff's own scope, texts without names.
    "surveys:mine": Case(allowed={"alice"}, marker=lambda w: "Дёмин",
                         query=lambda w: _surveys(w) and "",
                         sees_own_data_only={"bob", "charlie"}),
    "surveys:answer": Case(allowed={"alice"}, kwargs=lambda w: {"pk": _surveys(w).pk},
                           marker=lambda w: "Дёмин"),
    "surveys:results": Case(allowed=STAFF_OF_A, marker=lambda w: "Маркер опроса А",
                            query=lambda w: _surveys(w) and "",
                            sees_own_data_only={"charlie", "dave"}),
    # The organization's programme (#8, tandem/programmes): staff of the territory read,
    # a teacher reads the adopted one of their organization, only the curator writes.
    "programmes:overview": Case(allowed=STAFF_OF_A | {"bob"}, marker=lambda w: "Школа А",
                                sees_own_data_only={"charlie", "dave"}),
    "programmes:create": Case(allowed={"alice"}, post=pm.create_post,
                              took_effect=lambda w: pm.of_a() is not None),
    "programmes:detail": Case(allowed=STAFF_OF_A | {"bob"}, kwargs=pm.adopted,
                              marker=lambda w: pm.MARKER),
    "programmes:document": Case(allowed=STAFF_OF_A | {"bob"}, kwargs=pm.document),
    "programmes:section": Case(
        allowed={"alice"}, kwargs=lambda w: {**pm.draft(w), "name": "goals"},
        post=lambda w: {"goals": "Цель из матрицы", "tasks": "Задача"},
        took_effect=lambda w: pm.of_a().goals == "Цель из матрицы"),  # type: ignore[union-attr]
    "programmes:resources": Case(allowed={"alice"}, kwargs=pm.draft, post=pm.resource_post,
                                 took_effect=lambda w: pm.of_a().resources.exists()),  # type: ignore[union-attr]
    "programmes:roadmap_add": Case(allowed={"alice"}, kwargs=pm.draft, post=pm.row_post,
                                   took_effect=lambda w: pm.of_a().roadmap.count() == 2),  # type: ignore[union-attr]
    "programmes:roadmap_delete": Case(allowed={"alice"}, kwargs=pm.draft_row,
                                      post=lambda w: {},
                                      took_effect=lambda w: not pm.of_a().roadmap.exists()),  # type: ignore[union-attr]
    "programmes:indicator_add": Case(
        allowed={"alice"}, kwargs=pm.draft,
        post=lambda w: {"indicator-title": "Показатель матрицы", "indicator-target": "3"},
        took_effect=lambda w: pm.of_a().indicators.filter(  # type: ignore[union-attr]
            title="Показатель матрицы").exists()),
    "programmes:indicator_delete": Case(
        allowed={"alice"}, kwargs=pm.draft_indicator, post=lambda w: {},
        took_effect=lambda w: pm.of_a().indicators.count() == 4),  # type: ignore[union-attr]
    "programmes:adopt": Case(allowed={"alice"}, kwargs=pm.draft, post=pm.adopt_post,
                             took_effect=lambda w: pm.of_a().status == "adopted"),  # type: ignore[union-attr]
    "programmes:revise": Case(allowed={"alice"}, kwargs=pm.adopted, post=lambda w: {},
                              took_effect=lambda w: pm.of_a().version == 2),  # type: ignore[union-attr]
    # -- school of mentors: events, registrations, attendance, certificates (#8) --------
    # A regional seminar (tandem.testing.build_school): the region operator organizes it;
    # everyone in the region sees it; a curator or coordinator sees only their own people.
    "school:events": Case(allowed=ALL_LOGGED_IN, marker=lambda w: "Семинар школы наставников А",
                          query=_school_query),
    "school:event_create": Case(allowed={"dave", "erin", "olga"}),
    "school:event": Case(allowed=STAFF_OF_A, kwargs=_school_event, marker=lambda w: "Каролёва",
                         sees_own_data_only={"bob", "charlie", "dave"}),
    "school:event_edit": Case(allowed={"olga"}, kwargs=_school_event,
                              marker=lambda w: "Семинар школы наставников А"),
    "school:register": Case(
        allowed=STAFF_OF_A, kwargs=_school_event,
        post=lambda w: {"participants": str(w.alice_p.pk)},
        took_effect=lambda w: Registration.objects.filter(participant=w.alice_p).exists()),
    "school:attendance": Case(allowed={"olga"}, kwargs=_school_event,
                              marker=lambda w: "Каролёва"),
    "school:attendance_mark": Case(
        allowed={"olga"}, kwargs=lambda w: {"pk": build_school(w).bob_r.pk},
        post=lambda w: {"attended": "1"},
        took_effect=lambda w: Registration.objects.get(participant=w.bob_p).attended),
    "school:certificates_issue": Case(
        allowed={"olga"}, kwargs=_school_event, post=lambda w: {},
        took_effect=lambda w: Certificate.objects.filter(
            registration__participant=w.someone_b).exists()),
    "school:material_add": Case(
        allowed={"olga"}, kwargs=_school_event,
        post=lambda w: {"title": "Запись вебинара", "link": "https://example.org/video"},
        took_effect=lambda w: Material.objects.filter(title="Запись вебинара").exists()),
    "school:report": Case(allowed={"olga"}, kwargs=_school_event, marker=lambda w: "Город А"),
    "school:report_xlsx": Case(allowed={"olga"}, kwargs=_school_event),
    "school:cancel": Case(
        allowed=STAFF_OF_A | {"bob"}, kwargs=lambda w: {"pk": build_school(w).bob_r.pk},
        post=lambda w: {},
        took_effect=lambda w: Registration.objects.get(participant=w.bob_p).status
        == Registration.Status.CANCELLED),
    "school:certificate": Case(allowed=STAFF_OF_A,
                               kwargs=lambda w: {"pk": build_school(w).carol_r.pk}),
    "school:certificate_revoke": Case(
        allowed={"olga"}, kwargs=lambda w: {"pk": build_school(w).certificate.pk},
        # The revocation records why (#13.14): the form's reason, not a change of who.
        post=lambda w: {"reason": "ошибка в списке", "confirmed": "1"},
        took_effect=lambda w: Certificate.objects.get(code="TEST-CARO-L234").revoked_at
        is not None),
    "school:certificate_restore": Case(
        allowed={"olga"}, kwargs=_revoked_certificate, post=lambda w: {"reason": "ошибка"},
        took_effect=lambda w: Certificate.objects.get(code="TEST-CARO-L234").revoked_at
        is None),
    "school:material": Case(allowed=ALL_LOGGED_IN,
                            kwargs=lambda w: {"pk": build_school(w).material.pk}),
    "school:material_delete": Case(
        allowed={"olga"}, kwargs=lambda w: {"pk": build_school(w).material.pk},
        post=lambda w: {},
        took_effect=lambda w: not Material.objects.filter(title="Программа семинара").exists()),
    # Case-based training (tandem/training): trainers are the organizers of the event
    # (Erin for A's municipality, Olga for the region); team 1 is Bob's.
    "training:home": Case(allowed=TRAINERS, kwargs=_training_built,
                          sees_own_data_only={"fred", "bob", "alice", "charlie", "dave"},
                          marker=lambda w: reverse("training:event",
                                                   kwargs={"pk": _t(w).event.pk})),
    "training:case_create": Case(allowed=TRAINERS | {"dave"}),
    "training:case_detail": Case(allowed=TRAINERS | {"dave"},
                                 kwargs=lambda w: {"pk": _t(w).case.pk},
                                 marker=lambda w: "Борис Петрович"),
    "training:case_edit": Case(allowed={"olga"}, kwargs=lambda w: {"pk": _t(w).case.pk},
                               marker=lambda w: "Борис Петрович"),
    "training:event": Case(allowed=TRAINERS, kwargs=lambda w: {"pk": _t(w).event.pk},
                           marker=lambda w: "Бэшкина"),
    "training:team_create": Case(
        allowed=TRAINERS, kwargs=lambda w: {"pk": _t(w).event.pk},
        post=lambda w: {"case": str(_t(w).case.pk), "name": "Новая команда"},
        took_effect=lambda w: TrainingTeam.objects.filter(name="Новая команда").exists()),
    "training:teams_split": Case(
        allowed=TRAINERS, kwargs=lambda w: {"pk": _t(w).no_teams_event.pk},
        post=lambda w: {"count": "2", "cases": str(_t(w).case.pk)},
        took_effect=lambda w: TrainingTeam.objects.filter(
            event=_t(w).no_teams_event).count() == 2),
    "training:compare": Case(allowed=TRAINERS, kwargs=lambda w: {
        "pk": _t(w).event.pk, "case_pk": _t(w).case.pk},
        marker=lambda w: "Строка учебной карты"),
    "training:team_map": Case(allowed=TRAINERS | {"bob"},
                              kwargs=lambda w: {"pk": _t(w).team1.pk},
                              marker=lambda w: "Строка учебной карты"),
    "training:row_add": Case(
        allowed={"bob"}, kwargs=lambda w: {"pk": _t(w).team1.pk},
        post=lambda w: {**ROW_DATA, "new-competency": "ict.ai_lessons",
                        "new-title": "Строка кейса", "new-deadline": "2027-04-01"},
        took_effect=lambda w: Row.objects.filter(title="Строка кейса").exists()),
    "training:row_from_library": Case(
        allowed={"bob"}, kwargs=lambda w: {"pk": _t(w).team1.pk},
        post=lambda w: {"pick": "ab:ict.ai_lessons"},
        took_effect=lambda w: Row.objects.filter(map__team=_t(w).team1,
                                                 competency="ict.ai_lessons")
        .exclude(template_id="").exists()),
    "training:present": Case(allowed=TRAINERS | {"bob"},
                             kwargs=lambda w: {"pk": _t(w).team1.pk},
                             marker=lambda w: "Строка учебной карты"),
    "training:score": Case(allowed=TRAINERS, kwargs=lambda w: {"pk": _t(w).team1.pk},
                           marker=lambda w: "Строка учебной карты"),
    # Monitoring dashboards and reports (tandem/monitoring): the user's own territory;
    # another unit's id in the filters is a 404 (tested in tandem/monitoring/tests).
    # Fred sees every region's aggregates (#16): figures, but no person and no unit
    # below a region — «Школа А» is not on his page.
    # Opened at municipality A: a region's dashboard lists its municipalities, one
    # municipality's its organizations (and its filter offers only those).
    "monitoring:index": Case(allowed=STAFF_OF_A, marker=lambda w: "Школа А",
                             query=lambda w: f"?municipality={w.municipality_a.pk}",
                             sees_own_data_only={"charlie", "dave", "fred"}),
    # A chart's text is drawn as glyph paths and an XLSX is zipped: no marker to look for
    # in the bytes; what each persona's chart and export contain is tested in
    # tandem/monitoring/tests (test_dashboard.py, test_reports.py).
    "monitoring:chart": Case(allowed=ALL_STAFF | {"fred"},
                             kwargs=lambda w: {"name": "completion",
                                                                  "fmt": "svg"}),
    "monitoring:report": Case(allowed=ALL_STAFF, kwargs=lambda w: {"name": "participants"}),
    # A background report may name people: only whoever asked for it, not even a colleague
    # of the same organization (erin, olga: 404) (#16, 4).
    "monitoring:report_job": Case(allowed={"alice"}, kwargs=_alice_report,
                                  marker=lambda w: "participants.xlsx"),
    "monitoring:report_file": Case(allowed={"alice"}, kwargs=_alice_report,
                                   marker=lambda w: "Каролёва"),
    # e2e: the region operator adds municipalities and organizations
    "territory:municipality_create": Case(
        allowed={"olga"}, post=lambda w: {"region": str(w.region.pk), "name": "Новый район",
                                          "kind": "district", "code": "new-district"},
        took_effect=lambda w: Municipality.objects.filter(code="new-district").exists()),
    "territory:organization_create": Case(
        allowed={"olga"}, post=lambda w: {"municipality": str(w.municipality_a.pk),
                                          "name": "Новая школа", "short_name": "Новая",
                                          "sector": "school", "code": "new-school"},
        took_effect=lambda w: Organization.objects.filter(code="new-school").exists()),
    # The region operator sets the region's time zone (tandem/territory/zones.py).
    "territory:region_edit": Case(
        allowed={"olga"}, kwargs=lambda w: {"pk": w.region.pk},
        post=lambda w: {"time_zone": "Europe/Moscow"},
        took_effect=lambda w: Region.objects.get(pk=w.region.pk).time_zone == "Europe/Moscow"),
    # REST API v1, monitoring figures (tandem/api, issue #6): the dashboard's scope; the
    # summary is asked about organization A, so an outsider gets the API's 404 (a forged
    # unit) and a teacher 403. Figures themselves: tandem/api/tests/test_monitoring.py.
    "api:monitoring-summary": Case(allowed=STAFF_OF_A,
                                   query=lambda w: f"?organization={w.org_a.pk}"),
    "api:monitoring-pair-list": Case(allowed=STAFF_OF_A, marker=lambda w: "Дёмин",
                                     sees_own_data_only={"charlie", "dave"}),
}


def _surveys(w: World) -> Any:
    """Alice's open mid-term survey (pair Alice ⇄ Dmitry), and three answered ones in A
    (Dmitry; Bob and Carol of a pair of their own) so that A's texts may be shown."""
    from tandem.surveys.models import Survey

    pair: Any = _p(w).pair
    mine, _created = Survey.objects.get_or_create(
        pair=pair, participant=w.alice_p, stage="mid", defaults={"due_on": pair.ends_on})
    if not Survey.objects.filter(submitted_at__isnull=False).exists():
        other = Pair.objects.create(a=w.bob_p, b=w.carol_p, organization=w.org_a,
                                    starts_on=pair.starts_on, ends_on=pair.ends_on,
                                    status="active")
        for p, person in ((pair, _p(w).dmitry), (other, w.bob_p), (other, w.carol_p)):
            Survey.objects.create(pair=p, participant=person, stage="mid",
                                  due_on=pair.ends_on, submitted_at=pair.created_at,
                                  mentee_benefit=8, mentee_support=8, mentor_satisfaction=7,
                                  mentor_engagement=9, recommend=9,
                                  text_good="Маркер опроса А" if person == w.bob_p else "")
    return mine


def _url_names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    names = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names += _url_names(p.url_patterns, ns)
        else:
            names.append(prefix + (p.name or f"<unnamed {p.pattern}>"))
    return names


def test_every_url_is_in_the_matrix() -> None:
    names = {n for n in _url_names(get_resolver().url_patterns) if not n.startswith("admin:")}
    assert names - PUBLIC - set(MATRIX) == set(), "add these views to the access matrix"
    assert set(MATRIX) - names == set(), "the matrix names views that no longer exist"


def _persona_client(client: Client, world: World, persona: str) -> Client:
    if persona == "fred":
        client.force_login(federal_operator())
    elif persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client


class TestAccess:
    """The matrix's cases — a view against a persona — read one world, built once per
    class and test worker in a transaction of its own that is rolled back at the end
    (Django's ``TestCase.setUpTestData``): the world, its diagnostics, resources, pairs and
    map were built again for each of the 1,469 cases, the better part of a case's time
    and about a third of CI's. Each case runs in a savepoint of its own, rolled back
    after it (pytest-django's ``db``, nested in the class's transaction), on deep copies
    of the world's objects (what a case changes in memory does not reach the next one),
    with the uploaded files of the class's own media folder."""

    @pytest.fixture(scope="class")
    @classmethod
    def built(cls, django_db_setup: None, django_db_blocker: Any,
              tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[World, PairsWorld, dict[str, object], Path]]:
        media = tmp_path_factory.mktemp("matrix-media")
        with built_once(django_db_blocker, media):
            world = build_world()
            build_diagnostics(world)
            build_resources(world)
            pairs = build_pairs(world)
            yield world, pairs, build_matrix_map(pairs), media

    @pytest.fixture(autouse=True)
    def _media_in_tmp(self, settings: Any,
                      built: tuple[World, PairsWorld, dict[str, object], Path]) -> None:
        settings.MEDIA_ROOT = built[3]

    @pytest.fixture
    def world(self, built: tuple[World, PairsWorld, dict[str, object], Path],
              db: None) -> World:
        world, pairs, the_map, _media = copy.deepcopy(built)
        PAIRS[world.org_a.pk] = pairs
        MAPS[world.org_a.pk] = the_map
        return world

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("name", sorted(MATRIX))
    def test_access(self, client: Client, world: World, name: str, persona: str) -> None:
        _check_access(client, world, name, persona)


def _check_access(client: Client, world: World, name: str, persona: str) -> None:
    case = MATRIX[name]
    if name in ("people:reactivate", "api:participant-reactivate"):
        Participant.objects.filter(pk=world.carol_p.pk).update(is_active=False)
    url = reverse(name, kwargs=case.kwargs(world)) + case.query(world)
    c = _persona_client(client, world, persona)

    if case.post is not None:
        response = c.post(url, case.post(world))
        if persona in case.allowed:
            assert response.status_code == case.ok_status, response.content[:500]
            if case.took_effect:
                assert case.took_effect(world)
        else:
            assert response.status_code in REFUSED
            if persona == "anonymous" and response.status_code != 401:
                assert response.headers["Location"].startswith(reverse("login"))
            if case.took_effect:
                assert not case.took_effect(world), f"{persona} changed data through {name}"
        return

    response = c.get(url)
    raw = (b"".join(response.streaming_content) if response.streaming  # type: ignore[attr-defined]
           else response.content)
    body = raw.decode(errors="replace")  # a DOCX is not text
    if persona in case.allowed:
        assert response.status_code == 200
        if case.marker:
            assert case.marker(world) in body
    elif persona in case.sees_own_data_only:
        assert response.status_code in REFUSED | {200}
        assert case.marker is not None
        assert case.marker(world) not in body, f"{persona} sees A's data on {name}"
    else:
        assert response.status_code in REFUSED, f"{persona} got {response.status_code} on {name}"
        if response.status_code == 302:
            # Bob is sent from the list to his own card; everyone else to the log-in page.
            location = response.headers["Location"]
            assert location.startswith(reverse("login") + "?next=") or location in (
                reverse("people:detail", kwargs={"pk": world.bob_p.pk}),
                reverse("diagnostics:mine"),
            )
        if case.marker:
            assert case.marker(world) not in body


@pytest.mark.parametrize("persona", ["charlie", "dave"])
def test_the_territory_search_finds_nothing_outside_the_scope(
        client: Client, world: World, persona: str) -> None:
    """A search by name runs across the whole scope: never across another's."""
    c = _persona_client(client, world, persona)
    response = c.get(reverse("territory:tree") + "?q=Школа")
    assert response.status_code in REFUSED | {200}
    assert "Школа А" not in response.content.decode()


@pytest.mark.parametrize("name", sorted(PUBLIC - {"password_reset_confirm",
                                                   "school:verify_code"}))
def test_public_pages_open_without_login(client: Client, db: None, name: str) -> None:
    assert client.get(reverse(name)).status_code == 200


def test_admin_is_for_superusers_only(client: Client, world: World) -> None:
    for persona in ("alice", "olga", "bob"):
        client.force_login(getattr(world, persona))
        response = client.get(reverse("admin:people_participant_changelist"))
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("admin:login"))
    world.olga.is_staff = world.olga.is_superuser = True
    world.olga.save()
    client.force_login(world.olga)
    assert client.get(reverse("admin:people_participant_changelist")).status_code == 200


def test_teacher_sees_own_card(client: Client, world: World) -> None:
    client.force_login(world.bob)
    response = client.get(reverse("people:detail", kwargs={"pk": world.bob_p.pk}))
    assert response.status_code == 200
    assert "Бобров" in response.content.decode()
    # ...but cannot change it, nor anyone else's.
    assert client.get(reverse("people:edit", kwargs={"pk": world.bob_p.pk})).status_code == 404


def _regional_competency(w: World) -> Any:
    """A competency of World's region of its own (#16 item 1)."""
    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Competency, CompetencyArea

    ensure_default_framework()
    return Competency.objects.create(
        area=CompetencyArea.objects.get(code="subject"), code="test:local", region=w.region,
        name="Краеведение региона", description="о родном крае", descriptor_0="0",
        descriptor_1="1", descriptor_2="2", descriptor_3="3")


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_regions_own_competency_is_its_operators_to_change(client: Client, world: World,
                                                            persona: str) -> None:
    """The second row of ``competency_edit``: a regional competency — Olga's region's —
    is hers alone to change; the federal operator may not, nor may anyone else."""
    competency = _regional_competency(world)
    url = reverse("diagnostics:competency_edit", kwargs={"pk": competency.pk})
    c = _persona_client(client, world, persona)
    page = c.get(url)
    data = {"area": str(competency.area_id), "code": competency.code, "name": "Новое имя",
            "description": "о родном крае", "descriptor_0": "0", "descriptor_1": "1",
            "descriptor_2": "2", "descriptor_3": "3", "typical_direction": "both",
            "order": "0", "is_active": "on"}
    response = c.post(url, data)
    competency.refresh_from_db()
    if persona == "olga":
        assert page.status_code == 200 and response.status_code == 302
        assert competency.name == "Новое имя"
    else:
        assert page.status_code in REFUSED and response.status_code in REFUSED
        assert competency.name == "Краеведение региона"


# -- the territory filters of the lists (issue #16): a municipality, then its organizations;
# a unit outside the scope in the query string is refused with a message, never a 500 and
# never a leak of its name or its people.
FILTERED_LISTS = ["people:list", "pairs:list", "roster:export", "resources:catalogue"]


def _filtered_url(name: str, query: str) -> str:
    kwargs = {"fmt": "csv"} if name == "roster:export" else {}
    return reverse(name, kwargs=kwargs) + query


@pytest.mark.parametrize("name", FILTERED_LISTS)
@pytest.mark.parametrize("persona", ["charlie", "dave"])
def test_a_forged_unit_in_a_lists_filter_shows_nothing_of_it(
        client: Client, world: World, name: str, persona: str) -> None:
    """An outsider (B's curator, B's coordinator) asks for A's municipality and
    organization by id: the list stays theirs; A's people and names are not in it."""
    PAIRS[world.org_a.pk] = build_pairs(world)
    c = _persona_client(client, world, persona)
    for query in (f"?organization={world.org_a.pk}",
                  f"?municipality={world.municipality_a.pk}",
                  f"?municipality={world.municipality_a.pk}&organization={world.org_a.pk}",
                  f"?municipality={world.municipality_b.pk}&organization={world.org_a.pk}",
                  "?organization=99999999999999999999&municipality=²"):
        response = c.get(_filtered_url(name, query))
        assert response.status_code == 200, query
        body = response.content.decode()
        for secret in ("Каролёва", "Дёмин", "Школа А", "Город А"):
            assert secret not in body, (query, secret)


# The API's pair list takes the page's territory filters (pairs.filters): every parameter
# naming a unit, asked with A's unit — A's staff get A's pairs, everyone else (B's curator
# and coordinator, A's teacher, the federal operator) a 400 naming the parameter, and
# nothing of A; anonymous 401.
API_PAIR_UNIT_PARAMETERS = {"municipality": lambda w: w.municipality_a.pk,
                            "organization": lambda w: w.org_a.pk}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("parameter", sorted(API_PAIR_UNIT_PARAMETERS))
def test_the_api_pairs_unit_filters_refuse_an_outsider(
        client: Client, world: World, parameter: str, persona: str) -> None:
    PAIRS[world.org_a.pk] = build_pairs(world)
    c = _persona_client(client, world, persona)
    value = API_PAIR_UNIT_PARAMETERS[parameter](world)
    response = c.get(reverse("api:pair-list") + f"?{parameter}={value}")
    body = response.content.decode()
    if persona in STAFF_OF_A:
        assert response.status_code == 200 and "Дёмин" in body
        return
    assert "Дёмин" not in body and "Каролёва" not in body
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 400, (persona, body[:300])
    assert list(response.json()["error"]["fields"]) == [parameter]


# The same rule for the API's participants and resources (access.forms.unit_filter, issue
# #16 follow-up): they answered an outsider's or a teacher's foreign unit an empty 200.
# A's staff get A's rows; B's curator and coordinator, A's teacher and the federal operator
# a 400 naming the parameter, and nothing of A; anonymous 401. The pages: the same
# outsiders are told in Russian, with the list of their own.
API_LIST_UNIT_PARAMETERS = [("api:participant-list", "municipality", "Каролёва"),
                            ("api:participant-list", "organization", "Каролёва"),
                            ("api:resource-list", "organization", "Ресурс Школы А")]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "parameter", "secret"), API_LIST_UNIT_PARAMETERS)
def test_the_api_lists_unit_filters_refuse_an_outsider(
        client: Client, world: World, name: str, parameter: str, secret: str,
        persona: str) -> None:
    build_resources(world)
    c = _persona_client(client, world, persona)
    value = API_PAIR_UNIT_PARAMETERS[parameter](world)
    response = c.get(reverse(name) + f"?{parameter}={value}")
    body = response.content.decode()
    if persona in STAFF_OF_A:
        assert response.status_code == 200 and secret in body, (persona, body[:300])
        return
    assert secret not in body
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 400, (persona, body[:300])
    assert list(response.json()["error"]["fields"]) == [parameter]


@pytest.mark.parametrize("name", ["people:list", "resources:catalogue"])
@pytest.mark.parametrize("persona", ["charlie", "dave"])
def test_an_outsider_is_told_a_foreign_organization_is_not_theirs(
        client: Client, world: World, name: str, persona: str) -> None:
    build_resources(world)
    c = _persona_client(client, world, persona)
    response = c.get(reverse(name) + f"?organization={world.org_a.pk}")
    body = unescape(response.content.decode())
    assert response.status_code == 200
    assert ("Такой организации нет среди ваших: фильтр по организации не применён."
            in body), persona
    assert "Каролёва" not in body and "Ресурс Школы А" not in body


def _second_region(world: World) -> Organization:
    other = RegionFactory.create(name="Соседняя область", code="other")
    mun = MunicipalityFactory.create(region=other, name="Город Чужой", code="city-x")
    org = OrganizationFactory.create(municipality=mun, name="Школа Чужая", code="school-x")
    ParticipantFactory.create(organization=org, surname="Чужанина", name="Ольга",
                              email="x@example.org")
    return org


@pytest.mark.parametrize("name", ["people:list", "pairs:list"])
def test_the_region_operator_is_told_a_foreign_unit_is_not_theirs(
        client: Client, world: World, name: str) -> None:
    """The region operator forges an organization and a municipality of another region:
    a Russian message under the filter, the whole list of their own region, nothing of the
    other region's."""
    foreign = _second_region(world)
    client.force_login(world.olga)
    body = client.get(_filtered_url(name, f"?organization={foreign.pk}")).content.decode()
    assert "Такой организации нет среди ваших" in body
    body = client.get(_filtered_url(
        name, f"?municipality={foreign.municipality_id}")).content.decode()
    assert "Такого муниципалитета нет среди ваших" in body
    assert "Чужанина" not in body and "Школа Чужая" not in body
    assert "Город Чужой" not in body


def test_the_region_operator_picks_a_municipality_then_its_organizations(
        client: Client, world: World) -> None:
    """Without a municipality the organization select offers none of the region's
    organizations; with one — only its own; an organization alone brings its
    municipality; one of another municipality than the chosen one is dropped."""
    client.force_login(world.olga)
    url = reverse("people:list")

    def offered(query: str) -> tuple[str, str]:
        body = client.get(url + query).content.decode()
        select = re.search(r'<select name="organization".*?</select>', body, re.S)
        assert select is not None
        return select.group(0), body

    select, _body = offered("")
    assert "выберите муниципалитет" in select and "Школа А" not in select
    select, _body = offered(f"?municipality={world.municipality_a.pk}")
    assert "Школа А" in select and "Дом творчества Б" not in select
    select, body = offered(f"?organization={world.org_b.pk}")
    assert f'<option value="{world.municipality_b.pk}" selected>' in body
    assert "Бэшкина" in body and "Каролёва" not in body
    select, body = offered(f"?municipality={world.municipality_a.pk}"
                           f"&organization={world.org_b.pk}")
    assert "Каролёва" in body and "Бэшкина" not in body
    assert "нет среди ваших" not in body


def test_all_municipalities_chosen_back_widens_the_list(client: Client, world: World) -> None:
    """«все муниципалитеты» chosen while an organization is selected (the select reloads
    the page with ``municipality=`` and the old organization) lists the whole region —
    the organization is not brought back with its municipality (reviewer's finding)."""
    client.force_login(world.olga)
    for name in ("people:list", "pairs:list"):
        body = client.get(reverse(name) + f"?municipality=&organization={world.org_a.pk}"
                          ).content.decode()
        assert f'<option value="{world.municipality_a.pk}" selected>' not in body, name
        assert f'<option value="{world.org_a.pk}" selected>' not in body, name
    body = client.get(reverse("people:list") + f"?municipality=&organization={world.org_a.pk}"
                      ).content.decode()
    assert "Бэшкина" in body and "Каролёва" in body


def test_an_organization_id_with_spaces_is_read_as_the_number(
        client: Client, world: World) -> None:
    """`` 7 `` is read as 7 by the settling and by the field alike: the user's own
    organization is applied, not refused as foreign (reviewer's finding)."""
    client.force_login(world.olga)
    body = client.get(reverse("people:list") + f"?organization=%20{world.org_a.pk}%20"
                      ).content.decode()
    assert "нет среди ваших" not in body
    assert f'<option value="{world.org_a.pk}" selected>' in body
    assert "Каролёва" in body and "Бэшкина" not in body


def test_the_pairs_list_by_municipality_and_organization(client: Client, world: World) -> None:
    """A's pairs are found by A's organization alone, by A's municipality, and not by B's."""
    build_pairs(world)
    client.force_login(world.olga)
    url = reverse("pairs:list")
    assert "Дёмин" in client.get(f"{url}?organization={world.org_a.pk}").content.decode()
    assert "Дёмин" in client.get(f"{url}?municipality={world.municipality_a.pk}").content.decode()
    body = client.get(f"{url}?municipality={world.municipality_b.pk}").content.decode()
    assert "Дёмин" not in body and "Таких пар нет" in body
