"""The REST API v1: thin views over the apps' selectors, forms and services.

Every queryset starts from ``scope_for(request.user)`` through a selector; an object
outside the scope is a 404, never a 403, as on the pages.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.access.filters import Filters
from tandem.access.forms import (
    BAD_SECTOR,
    UNIT_PARAMETERS,
    FiltersForm,
    UnitFilter,
    unit_filter,
)
from tandem.access.scope import Scope, scope_for
from tandem.api import serializers as s
from tandem.api.errors import ApiError, form_invalid
from tandem.api.params import ORGANIZATION, UPDATED_SINCE, int_param, path_id, updated_since
from tandem.api.selectors import maps_visible, pair_with_figures, pairs_listed
from tandem.api.services import ResultInput, ResultRefused, diagnostic_results_save
from tandem.diagnostics import selectors as diagnostics
from tandem.diagnostics.models import FrameworkVersion
from tandem.diagnostics.services import AnswerInput
from tandem.directory.forms import DeactivateForm, ParticipantForm
from tandem.directory.selectors import (
    ParticipantFilters,
    organizations_page,
    organizations_with_counts,
    participant_get,
    participant_get_manageable,
    participant_list,
    participants_visible,
)
from tandem.maps.models import Map
from tandem.monitoring import selectors as monitoring
from tandem.monitoring.effectiveness import (
    UnitSummary,
    as_of,
    pair_figures,
    pairs_in,
    unit_summary,
)
from tandem.pairs.filters import pair_filters
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.people.services import (
    ParticipantConflict,
    participant_deactivate,
    participant_reactivate,
    participant_save,
)
from tandem.resources.forms import ResourceForm, owner_choice, owner_choices
from tandem.resources.models import Resource
from tandem.resources.selectors import resource_get, resources_visible
from tandem.resources.services import ResourceInvalid, resource_save
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.order import collated

UNKNOWN_FIELD = _("Неизвестное поле.")
CODES_EXPECTED = _("Нужен список кодов компетенций, например [\"ict.ai_lessons\"].")
UNKNOWN_COMPETENCY = _("Неизвестный код компетенции: %(code)s.")
ONE_VALUE_EXPECTED = _("Нужно одно значение: строка, число или null.")
LIST_EXPECTED = _("Нужен список значений.")
NOT_AN_OBJECT = _("Ожидался объект JSON.")
NO_FRAMEWORK = _("Рамка компетенций ещё не опубликована.")
STAFF_ONLY = _("Добавлять могут только куратор, координатор или оператор.")


def _credit_actor(user: object) -> None:
    """Names the API user as the author of the changes in the audit trail.

    The audit middleware reads ``request.user`` before the view runs, when a token has
    not been checked yet (DRF authenticates inside the view), so token writes would be
    logged without an author.
    """
    from auditlog.context import auditlog_value

    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if context.get("actor") is None and getattr(user, "is_authenticated", False):
        context["actor"] = user


class ApiMixin:
    """What every endpoint shares: DRF answers for itself (401 rather than the log-in
    page), the audit trail knows who wrote, and ``self.scope``."""

    request: Request

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return login_not_required(super().as_view(*args, **kwargs))  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        _credit_actor(request.user)
        # A key is checked here, after the middleware chose the zone for an anonymous
        # visitor: times go out on the clock of the key owner's region, as on the pages
        # (the middleware lets the zone go after the response).
        timezone.activate(self.scope.zone)

    @property
    def scope(self) -> Scope:
        return scope_for(self.request.user)


class ReadViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet[Any]):
    def page_then(self, ids: QuerySet[Any], rows: Callable[[list[int]], list[Any]]) -> Response:
        """A list whose rows carry figures: the page is cut from ``ids`` (the list's own
        table, in its order), then ``rows`` fetches that page's rows with their figures,
        so no figure is computed for a row off the page (issue #16)."""
        page = self.paginate_queryset(ids)
        data = self.get_serializer(rows(list(ids if page is None else page)), many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)




def _form_value(name: str, value: Any, *, many: bool) -> Any:
    """A JSON value as a form expects it: text (forms parse text; a number or a list
    where a date is expected would crash the field), None for empty; a list only for
    the fields that take several values."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    if many and isinstance(value, list):
        return [_form_value(name, item, many=False) for item in value]
    raise ApiError(code="validation_error", fields={name: [str(
        LIST_EXPECTED if many else ONE_VALUE_EXPECTED)]})


def _form_data(request: Request, *, fields: list[str], extra: set[str],
               many: frozenset[str] = frozenset(),
               base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The body as a form's data: unknown fields refused; fields the API returns but
    nobody writes (``extra``: id, updated_at…) ignored; a PATCH lays the body over the
    stored values (``base``)."""
    raw = request.data
    if isinstance(raw, QueryDict):
        body = {k: (raw.getlist(k) if k in many else raw.get(k)) for k in raw}
    elif isinstance(raw, Mapping):
        body = {k: _form_value(k, v, many=k in many) for k, v in raw.items()}
    else:
        raise ApiError(code="parse_error", message_ru=NOT_AN_OBJECT,
                       message_en="A JSON object was expected.")
    unknown = sorted(set(body) - set(fields) - extra)
    if unknown:
        raise ApiError(code="validation_error", fields={k: [str(UNKNOWN_FIELD)] for k in unknown})
    data = dict(base or {})
    data.update({k: v for k, v in body.items() if k in fields})
    return data


def _unit_filter(scope: Scope, request: Request,
                 parameters: tuple[str, ...] = UNIT_PARAMETERS) -> UnitFilter:
    """A list's ``municipality`` and ``organization`` by the rule of every list
    (``access.forms.unit_filter``, the pages' too); a refused one is a 400 naming it."""
    territory = unit_filter(scope, request.query_params, parameters=parameters)
    _refuse(territory.errors)
    return territory


def _refuse(errors: dict[str, str]) -> None:
    """A list's refused filters (a message by parameter) as a 400 naming each."""
    if errors:
        raise ApiError(code="validation_error", fields={k: [m] for k, m in errors.items()})


# The lists' territory parameters (participants, resources; the pairs' own below).
LIST_MUNICIPALITY = OpenApiParameter(
    "municipality", OpenApiTypes.INT,
    description="id муниципалитета вашей области: участники его организаций. Муниципалитет "
                "не из ваших (и любой — у педагога и федерального оператора) — 400 с полем "
                "municipality / a municipality of yours")
LIST_ORGANIZATION = OpenApiParameter(
    "organization", OpenApiTypes.INT,
    description="id организации вашей области. Организация не из ваших (и любая — у педагога "
                "и федерального оператора) или не из выбранного муниципалитета — 400 с полем "
                "organization / an organization of yours")
# The resources take no municipality.
RESOURCES_ORGANIZATION = OpenApiParameter(
    "organization", OpenApiTypes.INT,
    description="id организации вашей области. Организация не из ваших (и любая — у педагога "
                "и федерального оператора) — 400 с полем organization / an organization of "
                "yours")


# -- territory -----------------------------------------------------------------------
@extend_schema_view(list=extend_schema(summary="Регионы / Regions"),
                    retrieve=extend_schema(summary="Регион / Region"))
class RegionViewSet(ReadViewSet):
    serializer_class = s.RegionSerializer

    def get_queryset(self) -> QuerySet[Region]:
        return self.scope.regions().order_by("name", "pk")


@extend_schema_view(list=extend_schema(
    summary="Муниципалитеты / Municipalities",
    parameters=[OpenApiParameter("region", OpenApiTypes.INT)]))
class MunicipalityViewSet(ReadViewSet):
    serializer_class = s.MunicipalitySerializer

    def get_queryset(self) -> QuerySet[Municipality]:
        qs = self.scope.municipalities().order_by("name", "pk")
        if (region := int_param(self.request, "region")) is not None:
            qs = qs.filter(region_id=region)
        return qs


@extend_schema_view(list=extend_schema(
    summary="Организации / Organizations",
    parameters=[OpenApiParameter("municipality", OpenApiTypes.INT)]))
class OrganizationViewSet(ReadViewSet):
    serializer_class = s.OrganizationSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        return self._narrowed(organizations_with_counts(scope=self.scope))

    def _narrowed(self, qs: QuerySet[Organization]) -> QuerySet[Organization]:
        qs = qs.order_by("short_name", "pk")
        if (municipality := int_param(self.request, "municipality")) is not None:
            qs = qs.filter(municipality_id=municipality)
        return qs

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The page from the organizations alone, then the counts of its organizations.
        return self.page_then(
            self._narrowed(self.scope.organizations()).values_list("pk", flat=True),
            lambda ids: organizations_page(scope=self.scope, ids=ids))


# -- participants --------------------------------------------------------------------
PARTICIPANT_FIELDS = [*ParticipantForm.Meta.fields, "version"]
PARTICIPANT_OUTPUT = set(s.ParticipantSerializer.Meta.fields)


@extend_schema_view(
    list=extend_schema(summary="Участники / Participants",
                       parameters=[LIST_MUNICIPALITY, LIST_ORGANIZATION, UPDATED_SINCE,
                                   OpenApiParameter("is_active", OpenApiTypes.BOOL)]),
    create=extend_schema(summary="Добавить участника / Create a participant",
                         request=s.ParticipantInputSerializer,
                         responses={201: s.ParticipantSerializer}),
    partial_update=extend_schema(summary="Изменить участника / Update a participant",
                                 request=s.ParticipantInputSerializer),
    update=extend_schema(summary="Заменить сведения участника / Replace a participant",
                         request=s.ParticipantInputSerializer),
)
class ParticipantViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet[Participant]):
    """A teacher sees their own record only; staff see and change their territory's
    people. Writes go through ``ParticipantForm``: the API lets in what the page does."""

    serializer_class = s.ParticipantSerializer
    queryset = Participant.objects.none()  # for the schema; get_queryset decides

    def get_queryset(self) -> QuerySet[Participant]:
        if self.action != "list":
            return participants_visible(scope=self.scope)
        territory = _unit_filter(self.scope, self.request)
        qs = participant_list(scope=self.scope, filters=ParticipantFilters(
            municipality_id=territory.municipality_id,
            organization_id=territory.organization_id, status="all"))
        active = self.request.query_params.get("is_active", "").lower()
        if active in ("true", "1"):
            qs = qs.filter(is_active=True)
        elif active in ("false", "0"):
            qs = qs.filter(is_active=False)
        if (since := updated_since(self.request)) is not None:
            qs = qs.filter(updated_at__gte=since)
        return qs

    def get_object(self) -> Participant:
        return participant_get(scope=self.scope, pk=self._pk())

    def _pk(self) -> int:
        return path_id(self.kwargs["pk"])

    def _saved(self, form: ParticipantForm, status_code: int) -> Response:
        if not form.is_valid():
            raise form_invalid(form.errors)
        try:
            participant = participant_save(participant=form.save(commit=False),
                                           version=form.cleaned_data["version"])
        except ParticipantConflict:
            raise ApiError(code="conflict", status_code=status.HTTP_409_CONFLICT) from None
        return Response(s.ParticipantSerializer(participant).data, status=status_code)

    def create(self, request: Request) -> Response:
        if not self.scope.is_staff:
            raise ApiError(code="permission_denied", status_code=status.HTTP_403_FORBIDDEN,
                           message_ru=STAFF_ONLY)
        data = _form_data(request, fields=PARTICIPANT_FIELDS, extra=PARTICIPANT_OUTPUT)
        return self._saved(ParticipantForm(data, scope=self.scope), status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        participant = participant_get_manageable(scope=self.scope, pk=self._pk())
        base = None
        if partial:  # the stored values under the body; the version only if sent
            base = model_to_dict(participant, fields=ParticipantForm.Meta.fields)
        data = _form_data(request, fields=PARTICIPANT_FIELDS, extra=PARTICIPANT_OUTPUT,
                          base=base)
        form = ParticipantForm(data, instance=participant, scope=self.scope)
        return self._saved(form, status.HTTP_200_OK)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Вывести из программы / Deactivate",
                   request=s.DeactivateInputSerializer, responses=s.ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        participant = participant_get_manageable(scope=self.scope, pk=self._pk())
        form = DeactivateForm(_form_data(request, fields=["reason"], extra=set()))
        if not form.is_valid():
            raise form_invalid(form.errors)
        participant_deactivate(participant=participant, reason=form.cleaned_data["reason"])
        return Response(s.ParticipantSerializer(participant).data)

    @extend_schema(summary="Вернуть в программу / Reactivate", request=None,
                   responses=s.ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str) -> Response:
        participant = participant_get_manageable(scope=self.scope, pk=self._pk())
        participant_reactivate(participant=participant)
        return Response(s.ParticipantSerializer(participant).data)


# -- diagnostics ---------------------------------------------------------------------
class FrameworkView(ApiMixin, APIView):
    @extend_schema(summary="Рамка компетенций (текущая версия) / Competency framework",
                   description="Опубликованная федеральная версия с компетенциями региона "
                               "пользователя (или региона `?region=` из своих) — то, по чему "
                               "пойдут новые диагностики региона. / The published federal "
                               "version with the user's region's own competencies.",
                   parameters=[OpenApiParameter("region", OpenApiTypes.INT)],
                   responses=s.FrameworkSerializer)
    def get(self, request: Request) -> Response:
        region = int_param(request, "region")
        try:
            version = diagnostics.framework_preview(scope=self.scope, region_id=region)
        except FrameworkVersion.DoesNotExist:
            raise ApiError(code="not_found", status_code=status.HTTP_404_NOT_FOUND,
                           message_ru=NO_FRAMEWORK,
                           message_en="No framework version has been published.") from None
        return Response(s.FrameworkSerializer(version).data)


@extend_schema_view(list=extend_schema(summary="Диагностики / Diagnostic campaigns"),
                    retrieve=extend_schema(summary="Диагностика / Campaign"))
class CampaignViewSet(ReadViewSet):
    serializer_class = s.CampaignSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return diagnostics.campaigns_visible(scope=self.scope)

    @extend_schema(methods=["GET"], summary="Результаты: ответы по участникам / Results",
                   responses=s.ResultSerializer(many=True))
    @extend_schema(methods=["POST"],
                   summary="Загрузить результаты пакетом / Save results in bulk",
                   request=s.ResultsInputSerializer, responses=s.ResultsSavedSerializer)
    @action(detail=True, methods=["get", "post"], serializer_class=s.ResultSerializer)
    def results(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            return self._save_results(request, path_id(pk))
        campaign = diagnostics.campaign_get(scope=self.scope, pk=path_id(pk))
        qs = (diagnostics.campaign_responses(campaign=campaign, scope=self.scope)
              .select_related("participant").prefetch_related("answers")
              .order_by("participant__surname", "participant__name", "participant_id"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ResultSerializer(page, many=True).data)

    def _save_results(self, request: Request, pk: int) -> Response:
        campaign = diagnostics.campaign_get(scope=self.scope, pk=pk, for_="manage")
        body = s.ResultsInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = [ResultInput(
            participant_id=item["participant"], submit=item["submit"],
            answers=[(a["competency"], AnswerInput(
                level=a["level"], can_teach=a["can_teach"],
                wants_to_learn=a["wants_to_learn"], priority=a.get("priority")))
                for a in item["answers"]])
            for item in body.validated_data["results"]]
        try:
            saved, submitted = diagnostic_results_save(campaign=campaign, scope=self.scope,
                                                       results=items)
        except ResultRefused as refused:
            where = f"results.{refused.index}"
            fields = ({f"{where}.answers.{code}": [m] for code, m in refused.problems.items()}
                      or {f"{where}.participant" if refused.not_found else where:
                          [refused.message]})
            if refused.not_found:
                raise ApiError(code="not_found", status_code=status.HTTP_404_NOT_FOUND,
                               message_ru=refused.message, fields=fields) from None
            raise ApiError(code="validation_error", message_ru=refused.message,
                           fields=fields) from None
        return Response({"saved": saved, "submitted": submitted})


# -- pairs and maps ------------------------------------------------------------------
# The pairs page's filters (pairs.filters: their meaning and refusals; pairs.selectors.
# pairs_search_pages: one list for both).
PAIR_MUNICIPALITY = OpenApiParameter(
    "municipality", OpenApiTypes.INT,
    description="id муниципалитета: пары, где участник А или Б работает в его организации "
                "из вашей области. Муниципалитет не из ваших (и любой — у педагога и "
                "федерального оператора) — 400 с "
                "полем municipality / a municipality of yours: pairs with a member in its "
                "organizations")
PAIR_ORGANIZATION = OpenApiParameter(
    "organization", OpenApiTypes.INT,
    description="id организации участника А или Б (пара муниципального пула находится по "
                "обеим). Организация не из ваших (и любая — у педагога и федерального "
                "оператора) или не из "
                "выбранного муниципалитета — 400 с полем organization / either member's "
                "organization, one of yours")
PAIR_TEXT = OpenApiParameter(
    "q", str, description="фамилия, имя или отчество участника А или Б (каждое слово; "
                          "регистр не важен, ё = е) / a member's name, every word")
@extend_schema_view(
    list=extend_schema(summary="Пары с объяснениями и показателями / Pairs",
                       parameters=[PAIR_MUNICIPALITY, PAIR_ORGANIZATION,
                                   OpenApiParameter("status", str, enum=Pair.Status.values,
                                                    description="Статус пары (другое значение"
                                                                " — 400) / pair status"),
                                   PAIR_TEXT]),
    retrieve=extend_schema(summary="Пара / Pair"))
class PairViewSet(ReadViewSet):
    serializer_class = s.PairSerializer

    def get_queryset(self) -> QuerySet[Pair]:
        return pair_with_figures(scope=self.scope)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The pairs page's own list (same pairs, filters, order): the page is cut first,
        # then its pairs are read with their figures. A refused filter is a 400, never a
        # list without it.
        chosen = pair_filters(self.scope, request.query_params)
        _refuse(chosen.errors)
        pages = pairs_listed(scope=self.scope, filters=chosen)
        page = self.paginate_queryset(pages)  # type: ignore[arg-type]
        data = self.get_serializer(list(pages) if page is None else page, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)


@extend_schema_view(
    list=extend_schema(summary="Карты со строками и прогрессом / Maps",
                       parameters=[OpenApiParameter("pair", OpenApiTypes.INT)]),
    retrieve=extend_schema(summary="Карта / Map"))
class MapViewSet(ReadViewSet):
    serializer_class = s.MapSerializer

    def get_queryset(self) -> QuerySet[Map]:
        qs = maps_visible(scope=self.scope)
        if (pair := int_param(self.request, "pair")) is not None:
            qs = qs.filter(pair_id=pair)
        return qs


# -- resources -----------------------------------------------------------------------
RESOURCE_FIELDS = [*ResourceForm.Meta.fields, "owner"]
RESOURCE_OUTPUT = set(s.ResourceSerializer.Meta.fields)


def _competency_ids(data: dict[str, Any]) -> dict[str, Any]:
    """Competency codes (what the API speaks) as the ids the form expects."""
    codes = data.get("competencies") or []
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ApiError(code="validation_error", fields={"competencies": [str(CODES_EXPECTED)]})
    known = diagnostics.competency_ids(codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ApiError(code="validation_error", fields={"competencies": [
            str(UNKNOWN_COMPETENCY) % {"code": c} for c in unknown]})
    return {**data, "competencies": [known[c] for c in codes]}


@extend_schema_view(
    list=extend_schema(summary="Ресурсы / Resources",
                       parameters=[RESOURCES_ORGANIZATION, UPDATED_SINCE,
                                   OpenApiParameter("level", str),
                                   OpenApiParameter("competency", str)]),
    create=extend_schema(summary="Добавить ресурс / Create a resource",
                         request=s.ResourceInputSerializer,
                         responses={201: s.ResourceSerializer}),
    partial_update=extend_schema(summary="Изменить ресурс / Update a resource",
                                 request=s.ResourceInputSerializer),
    update=extend_schema(summary="Заменить ресурс / Replace a resource",
                         request=s.ResourceInputSerializer),
)
class ResourceViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet[Resource]):
    """Everyone sees the resources of their territory; each level keeps its own
    (``ResourceForm``: owner units and levels)."""

    serializer_class = s.ResourceSerializer
    queryset = Resource.objects.none()

    def get_queryset(self) -> QuerySet[Resource]:
        qs = resources_visible(scope=self.scope).order_by("title", "pk")
        if self.action == "list":
            territory = _unit_filter(self.scope, self.request, parameters=("organization",))
            if territory.organization_id is not None:
                qs = qs.filter(organization_id=territory.organization_id)
        if (since := updated_since(self.request)) is not None:
            qs = qs.filter(updated_at__gte=since)
        if level := self.request.query_params.get("level"):
            qs = qs.filter(level=level)
        if competency := self.request.query_params.get("competency"):
            qs = qs.filter(competencies__code=competency).distinct()
        return qs

    def get_object(self) -> Resource:
        return resource_get(scope=self.scope, pk=path_id(self.kwargs["pk"]))

    def _saved(self, request: Request, data: dict[str, Any], status_code: int,
               resource: Resource | None = None) -> Response:
        try:
            resource = resource_save(scope=self.scope, user=request.user,  # type: ignore[arg-type]
                                     data=data, resource=resource)
        except ResourceInvalid as invalid:
            raise form_invalid(invalid.form.errors) from None
        fresh = resources_visible(scope=self.scope).get(pk=resource.pk)
        return Response(s.ResourceSerializer(fresh).data, status=status_code)

    def create(self, request: Request) -> Response:
        if not owner_choices(self.scope):
            raise ApiError(code="permission_denied", status_code=status.HTTP_403_FORBIDDEN)
        data = _competency_ids(_form_data(request, fields=RESOURCE_FIELDS,
                                          extra=RESOURCE_OUTPUT,
                                          many=frozenset({"competencies"})))
        return self._saved(request, data, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        resource = resource_get(scope=self.scope, pk=path_id(pk), for_="manage")
        base = None
        if partial:
            base = model_to_dict(resource, fields=ResourceForm.Meta.fields)
            base["competencies"] = list(resource.competencies.values_list("code", flat=True))
            base["owner"] = owner_choice(resource.owner)
        data = _competency_ids(_form_data(request, fields=RESOURCE_FIELDS,
                                          extra=RESOURCE_OUTPUT,
                                          many=frozenset({"competencies"}), base=base))
        return self._saved(request, data, status.HTTP_200_OK, resource=resource)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)


# -- monitoring figures (read-only) --------------------------------------------------
MONITORING_STAFF_ONLY = _("Показатели мониторинга — для куратора, координатора или "
                          "оператора.")
BAD_FILTERS = _("Параметры не прошли проверку: %(names)s.")
MONITORING_FILTERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE,
                     description="Начало периода (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ) / period start"),
    OpenApiParameter("date_to", OpenApiTypes.DATE,
                     description="Конец периода (включительно) / period end, inclusive"),
    OpenApiParameter("municipality", OpenApiTypes.INT,
                     description="id муниципалитета своей области / municipality id"),
    ORGANIZATION,
    OpenApiParameter("sector", str, enum=Organization.Sector.values,
                     description="Сфера организаций / sector"),
]


def monitoring_filters(request: Request, scope: Scope) -> Filters:
    """The dashboard's filters from the query, checked by the dashboard's own form: a
    unit outside the scope is a 404, a malformed value a 400 naming the parameter."""
    if not scope.is_staff:
        raise ApiError(code="permission_denied", status_code=status.HTTP_403_FORBIDDEN,
                       message_ru=MONITORING_STAFF_ONLY,
                       message_en="Monitoring figures are for curators, coordinators "
                                  "and operators.")
    # The form drops the unit fields a scope of one organization does not need (and so
    # would ignore «?organization=abc»): the API refuses malformed values all the same.
    for name in ("municipality", "organization"):
        try:
            int_param(request, name)
        except ApiError as refused:
            raise ApiError(code="validation_error", message_ru=BAD_FILTERS % {"names": name},
                           fields=refused.fields) from None
    sector = request.query_params.get("sector", "")
    if sector and sector not in Organization.Sector.values:
        raise ApiError(code="validation_error", message_ru=BAD_FILTERS % {"names": "sector"},
                       fields={"sector": [str(BAD_SECTOR)]})
    form = FiltersForm(request.query_params, scope=scope)  # a forged unit: Http404
    if not form.is_valid():
        error = form_invalid(form.errors)
        raise ApiError(code="validation_error",
                       message_ru=BAD_FILTERS % {"names": ", ".join(error.fields)},
                       fields=error.fields)
    return form.filters()


class _Summary:
    """A :class:`UnitSummary` with the day it describes and its Kirkpatrick levels as
    plain data, for :class:`~tandem.api.serializers.UnitSummarySerializer`."""

    def __init__(self, summary: UnitSummary, day: Any) -> None:
        self._summary = summary
        self.as_of = day
        self.kirkpatrick = [
            {"key": level.key, "value": level.value, "unit": level.unit,
             "parts": [{"key": k, "value": v} for k, v in level.parts]}
            for level in summary.kirkpatrick()]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._summary, name)


class MonitoringSummaryView(ApiMixin, APIView):
    """Показатели эффективности своей территории (те же, что на панели мониторинга, из её
    кэша): вовлечённость, пары по статусам, дефициты, задачи, встречи, продукты,
    удовлетворённость (null — скрыто, меньше 3 ответов), уровни Киркпатрика, прирост по
    направлениям. Фильтры — как у панели; чужая единица — 404."""

    @extend_schema(summary="Сводка показателей по своей территории / Unit summary",
                   parameters=MONITORING_FILTERS, responses=s.UnitSummarySerializer)
    def get(self, request: Request) -> Response:
        scope = self.scope
        filters = monitoring_filters(request, scope)
        # The dashboard's cached aggregates: the same numbers as the page.
        data = monitoring.dashboard_data(scope=scope, filters=filters)
        summary = data.summary
        if summary is None:  # never: compute_dashboard always fills it
            summary = unit_summary(scope=scope, filters=filters)
        # The pair figures' own day where a region's new day is not rebuilt yet.
        day = data.pairs_as_of or as_of(filters)
        return Response(s.UnitSummarySerializer(_Summary(summary, day)).data)


@extend_schema_view(list=extend_schema(
    summary="Показатели эффективности по парам / Per-pair effectiveness",
    parameters=MONITORING_FILTERS))
class MonitoringPairViewSet(ApiMixin, viewsets.GenericViewSet[Any]):
    """Показатели каждой пары своей территории (оба направления, встречи), по
    организации и номеру пары; фильтры — как у панели мониторинга. Учебных карт здесь
    нет: у них нет пары."""

    serializer_class = s.PairFiguresSerializer

    def list(self, request: Request) -> Response:
        filters = monitoring_filters(request, self.scope)
        # Russian order of organizations (as pair_figures and the XLSX sheets), not the
        # database's: the ids are sorted in Python, then paginated.
        order = collated(pairs_in(scope=self.scope, filters=filters),
                         ("organization__short_name",))
        page = self.paginate_queryset(order)
        figures = (pair_figures(scope=self.scope, filters=filters, pairs=list(page))
                   if page else [])
        return self.get_paginated_response(s.PairFiguresSerializer(figures, many=True).data)
