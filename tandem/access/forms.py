"""The one filter form of the monitoring dashboards, reports, the API's monitoring figures and
the survey results page: a GET form whose values are checked against the user's scope (a
foreign unit id is a 404, never a choice)."""

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.core.text import sort_key
from tandem.territory.models import Organization, Region
from tandem.web.forms import MAX_ID, form_int

BAD_DATE = _("Дата — в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.")
BAD_ID = _("Выберите значение из списка.")
BAD_SECTOR = _("Такой сферы нет: выберите сферу из списка.")
DATES_REVERSED = _("Начало периода позже его окончания.")
ORG_OUTSIDE_MUNICIPALITY = _("Эта организация не входит в выбранный муниципалитет.")
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def _int_or_none(raw: object) -> int | None:
    try:
        return int(str(raw))
    except ValueError:
        return None


@dataclass(frozen=True)
class UnitChoices:
    """The municipalities with organizations in a scope and the organizations of one of
    them at most — the chosen municipality's, or the chosen organization's, or all of them
    where the scope has a single municipality: a region of 300,000 people has thousands of
    organizations, and a select of all of them was most of a page (issue #16). The one
    home of the «municipality → its organizations» choice of every filter (monitoring,
    survey results, participants, pairs, the participants' export)."""

    municipalities: list[tuple[int, str]]
    organizations: list[tuple[int, str, int]]  # id, short name, municipality id
    municipality: int | None  # the chosen municipality when it is in scope

    @property
    def municipality_ids(self) -> set[int]:
        return {m for m, _n in self.municipalities}

    @property
    def organization_ids(self) -> dict[int, int]:
        """Organization id → its municipality, of the organizations read."""
        return {o: m for o, _n, m in self.organizations}

    @property
    def single_municipality(self) -> bool:
        return len(self.municipalities) <= 1

    def offered(self) -> list[tuple[int, str]]:
        """The organizations to choose from: the chosen municipality's (all read ones when
        none is chosen)."""
        return [(o, n) for o, n, m in self.organizations
                if self.municipality is None or m == self.municipality]

    def of_municipality(self, municipality: int) -> list[int]:
        """The ids of the organizations read that are of ``municipality``."""
        return [o for o, _n, m in self.organizations if m == municipality]

    def empty_label(self) -> str:
        return str(_("все организации") if self.offered() or self.single_municipality
                   else _("все — выберите муниципалитет"))

    def fill(self, form: forms.BaseForm) -> None:
        """Give ``form``'s ``municipality`` and ``organization`` fields these choices;
        a scope of one municipality has no municipality field."""
        form.fields["municipality"].choices = [  # type: ignore[attr-defined]
            ("", _("все муниципалитеты")), *self.municipalities]
        form.fields["organization"].choices = [  # type: ignore[attr-defined]
            ("", self.empty_label()), *self.offered()]
        if self.single_municipality:
            del form.fields["municipality"]


def unit_choices(scope: Scope, *, municipality: object = None,
                 organization: object = None, prefix: str = "") -> UnitChoices:
    """The choices of :class:`UnitChoices` for the raw values of a query string (anything:
    a forged or foreign id is simply not among them). Two queries, whatever the size of the
    territory. ``prefix``: the organization's value is «<prefix><id>» (a select of several
    kinds of units, e.g. «o:3» — :func:`refill_attrs`); one without it is no organization."""
    if prefix:
        organization = prefixed_id(organization, prefix)
    in_scope = scope.organizations()
    municipalities = sorted(scope.organization_municipalities().values_list("pk", "name"),
                            key=lambda x: (sort_key(x[1]), x[0]))
    known = {m for m, _n in municipalities}
    chosen = form_int(municipality, limit=MAX_ID)
    chosen = chosen if chosen in known else None
    chosen_org = form_int(organization, limit=MAX_ID)
    if len(municipalities) <= 1:
        offered_q = Q()
    else:
        offered_q = Q(municipality_id=chosen)
        if chosen_org is not None:
            offered_q |= Q(municipality_id__in=in_scope.filter(pk=chosen_org)
                           .values("municipality_id"))
    orgs = sorted(in_scope.filter(offered_q).values_list("pk", "short_name",
                                                         "municipality_id"),
                  key=lambda o: (sort_key(o[1]), o[0]))
    return UnitChoices(municipalities=municipalities, organizations=orgs, municipality=chosen)


def prefixed_id(raw: object, prefix: str) -> int | None:
    """The id of a choice «<prefix><id>» (e.g. «o:3»); None for anything else."""
    text = str(raw or "")
    return form_int(text[len(prefix):], limit=MAX_ID) if text.startswith(prefix) else None


UNITS_REFRESH = "_units"
CHOOSE_MUNICIPALITY_FIRST = _("сначала выберите муниципалитет")


class UnitsRefresh:
    """A POST form with a municipality that narrows its organizations: without scripts, its
    «Показать организации» button (named :data:`UNITS_REFRESH`) sends the form back to be
    shown again with every value kept — never valid, so nothing is saved, and no errors
    (the user has not finished). With scripts, htmx refills the organization select
    (``territory:choices``) and the button is not shown."""

    @property
    def refreshing(self) -> bool:
        return bool(self.is_bound and UNITS_REFRESH in self.data)  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        if self.refreshing:
            self._errors = ErrorDict()
            self.cleaned_data = {}  # type: ignore[var-annotated]
            return
        super().full_clean()  # type: ignore[misc]

    def is_valid(self) -> bool:
        return not self.refreshing and super().is_valid()  # type: ignore[misc]


def with_value(data: object, key: str, value: str) -> QueryDict:
    """A copy of a form's data (a QueryDict, or a dict from the API) with ``key`` set."""
    copy = data.copy()  # type: ignore[attr-defined]
    copy[key] = value
    return copy  # type: ignore[no-any-return]


def refill_attrs(field: forms.Field, *, target: str, prefix: str = "") -> None:
    """htmx attributes of a municipality select that refills the select ``target`` (an
    element id) with that municipality's organizations (``prefix`` before each id, e.g.
    «o:» in a select of several kinds of units)."""
    url = reverse("territory:choices")
    field.widget.attrs.update({
        "hx-get": f"{url}?prefix={prefix}" if prefix else url, "hx-trigger": "change",
        "hx-target": f"#{target}", "hx-swap": "innerHTML", "hx-sync": "this:replace"})


MUNICIPALITY_NOT_YOURS = _("Такого муниципалитета нет среди ваших: фильтр по муниципалитету "
                           "не применён.")
ORGANIZATION_NOT_YOURS = _("Такой организации нет среди ваших: фильтр по организации не "
                           "применён.")
# The same refusal of the user's own organization as a teacher (``Scope.own_organization_id``)
# that none of her staff roles covers: it is hers, but not one she filters by.
OWN_ORGANIZATION_NOT_FILTERED = _("Это ваша организация, но выбирать организацию в фильтре "
                                  "могут только сотрудники программы, которые её ведут: "
                                  "фильтр по организации не применён.")


UNIT_PARAMETERS = ("municipality", "organization")


@dataclass(frozen=True)
class UnitFilter:
    """A list's territory filter as one request gives it (:func:`unit_filter`): the
    accepted municipality and organization, and the messages of the refused ones."""

    municipality_id: int | None = None
    organization_id: int | None = None
    # The chosen municipality's organizations of the scope (read by unit_choices anyway),
    # None without a municipality. A literal list, not a subquery: on PostgreSQL
    # «a IN (subquery) OR b IN (subquery)» is planned as a filter over all of a region's
    # pairs (4–15× slower on the 1.5 M country; docs/performance.md), while the list uses
    # the organizations' indexes; the biggest municipality there has 252 organizations.
    organization_ids: tuple[int, ...] | None = None
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    # The accepted organization's short name (read with the choices): the page names it.
    organization_name: str = ""


def unit_filter(scope: Scope, data: Mapping[str, Any], *, units: UnitChoices | None = None,
                parameters: tuple[str, ...] = UNIT_PARAMETERS) -> UnitFilter:
    """The one rule of every list's ``municipality`` and ``organization`` (pairs,
    participants, resources — page and API alike): a value is accepted only when it is
    one of the user's (:func:`unit_choices`: a municipality with an organization of the
    scope, an organization of the scope; with a municipality, one of its organizations).
    Anything else — a forged or non-numeric id, another region's unit, any unit from a
    teacher or the federal operator (no territory to filter) — is refused with a Russian
    message for its parameter (:attr:`UnitFilter.errors`), never read as «no filter» nor
    as an empty list; a teacher's own organization is refused with a message that says it
    is hers (:data:`OWN_ORGANIZATION_NOT_FILTERED`), not «нет среди ваших». The API
    answers 400 naming the parameter; a page says the message and lists without it, and
    names an accepted organization (:attr:`UnitFilter.organization_name`).
    ``parameters``: those the list takes (the resources: only the organization).
    ``units``: the choices already read for these values (the page's filter form), else
    read here — two queries, only when a unit is given."""
    errors: dict[str, str] = {}
    raw = {name: str(data.get(name) or "").strip() for name in parameters}
    raw_municipality, raw_organization = raw.get("municipality", ""), raw.get("organization", "")
    if not (raw_municipality or raw_organization):
        return UnitFilter()
    if units is None:
        units = unit_choices(scope, municipality=raw_municipality,
                             organization=raw_organization)
    municipality = form_int(raw_municipality, limit=MAX_ID)
    if raw_municipality and municipality not in units.municipality_ids:
        errors["municipality"], municipality = str(MUNICIPALITY_NOT_YOURS), None
    organization = form_int(raw_organization, limit=MAX_ID)
    # Every organization of the scope is read with its municipality (unit_choices).
    of = units.organization_ids.get(organization) if organization is not None else None
    if raw_organization and of is None:
        own = organization is not None and organization == scope.own_organization_id
        errors["organization"] = str(OWN_ORGANIZATION_NOT_FILTERED if own
                                     else ORGANIZATION_NOT_YOURS)
        organization = None
    elif municipality is not None and of is not None and of != municipality:
        errors["organization"], organization = str(ORG_OUTSIDE_MUNICIPALITY), None
    return UnitFilter(municipality_id=municipality, organization_id=organization,
                      organization_ids=(None if municipality is None
                                        else tuple(units.of_municipality(municipality))),
                      errors={k: errors[k] for k in UNIT_PARAMETERS if k in errors},
                      organization_name=next((n for o, n, _m in units.organizations
                                              if o == organization), ""))


class UnitFilterForm(forms.Form):
    """A list's choice of the territory (participants, pairs): a municipality, then one of
    its organizations (:func:`unit_choices`), never a select of all of a region's
    thousands. A new municipality reloads the page (``autosubmit``; without scripts — the
    form's button), and its organizations fill the select. A unit outside the scope (a
    forged id) is refused with a message under its field and not applied; an organization
    of another municipality than the chosen one (the municipality was just changed) is
    dropped; an organization alone (a link from its page) brings its municipality."""

    municipality = forms.TypedChoiceField(
        label=_("Муниципалитет"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": MUNICIPALITY_NOT_YOURS})
    organization = forms.TypedChoiceField(
        label=_("Организация"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": ORGANIZATION_NOT_YOURS})

    def __init__(self, data: QueryDict | None, *, scope: Scope, **kwargs: object) -> None:
        raw = data if data is not None else QueryDict()
        self.units = unit_choices(scope, municipality=raw.get("municipality"),
                                  organization=raw.get("organization"))
        settled = self._settled(data) if data is not None else None
        if settled is not None and settled is not data:  # the choices of what is settled
            self.units = unit_choices(scope, municipality=settled.get("municipality"),
                                      organization=settled.get("organization"))
        super().__init__(settled, **kwargs)  # type: ignore[arg-type]
        self.units.fill(self)
        for name, field in self.fields.items():  # also shown without a label (pairs)
            if name in ("municipality", "organization"):
                field.widget.attrs["aria-label"] = field.label
        if "municipality" in self.fields:
            self.fields["municipality"].widget.attrs["class"] = "autosubmit"

    def _settled(self, data: QueryDict) -> QueryDict:
        """The query as the form reads it: the organization's id as one number (the field
        compares strings: « 7 » is 7, as :func:`form_int` reads it); an organization
        alone (no municipality field in the query: a link from its page) brings its
        municipality; a municipality chosen since — another one, or «все муниципалитеты» —
        drops the organization of the one before."""
        organization = form_int(data.get("organization"), limit=MAX_ID)
        if organization is not None and data.get("organization") != str(organization):
            data = data.copy()
            data["organization"] = str(organization)
        municipality = self.units.organization_ids.get(organization or 0)
        if municipality is None or self.units.single_municipality:
            return data
        if "municipality" not in data:
            data = data.copy()
            data["municipality"] = str(municipality)
        elif not data.get("municipality") or self.units.municipality not in (None, municipality):
            data = data.copy()  # (a forged municipality is refused, the organization kept)
            data.pop("organization")
        return data

    @property
    def shows_units(self) -> bool:
        """More than one organization to tell apart (not a curator's single one)."""
        return not self.units.single_municipality or len(self.units.organizations) > 1

    def unit(self) -> tuple[int | None, int | None]:
        """The chosen municipality and organization, each only when valid."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("municipality"), cleaned.get("organization")


class FiltersForm(forms.Form):
    date_from = forms.DateField(label=_("Период с"), required=False, input_formats=DATE_FORMATS,
                                error_messages={"invalid": BAD_DATE},
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("по"), required=False, input_formats=DATE_FORMATS,
                              error_messages={"invalid": BAD_DATE},
                              widget=forms.DateInput(attrs={"type": "date"}))
    municipality = forms.TypedChoiceField(label=_("Муниципалитет"), required=False,
                                          coerce=int, empty_value=None,
                                          error_messages={"invalid_choice": BAD_ID})
    organization = forms.TypedChoiceField(label=_("Организация"), required=False, coerce=int,
                                          empty_value=None,
                                          error_messages={"invalid_choice": BAD_ID})
    sector = forms.ChoiceField(label=_("Сфера"), required=False,
                               choices=[("", _("все сферы")), *Organization.Sector.choices],
                               error_messages={"invalid_choice": BAD_SECTOR})
    region = forms.TypedChoiceField(label=_("Регион"), required=False, coerce=int,
                                    empty_value=None, error_messages={"invalid_choice": BAD_ID})
    field_order = ["date_from", "date_to", "region", "municipality", "organization", "sector"]

    def __init__(self, data: QueryDict, *, scope: Scope, regions_only: bool = False) -> None:
        """``regions_only``: the federal operator's form — the period, the region and the
        sphere, nothing below a region (their dashboard is aggregates of regions)."""
        super().__init__(data)
        self.scope = scope
        # A view over several regions (the superuser, the federal operator) picks one.
        regions = sorted(Region.objects.filter(municipalities__isnull=False).distinct()
                         .values_list("pk", "name"), key=lambda r: (sort_key(r[1]), r[0])
                         ) if scope.everything else []
        self.region_ids = {pk for pk, _n in regions}
        self.fields["region"].choices = [("", _("все регионы")), *regions]  # type: ignore[attr-defined]
        if len(regions) <= 1:
            del self.fields["region"]
        if regions_only:
            del self.fields["municipality"], self.fields["organization"]
            self.municipality_ids, self.organization_ids = set(), {}
            return
        units = unit_choices(scope, municipality=data.get("municipality"),
                             organization=data.get("organization"))
        self.municipality_ids = units.municipality_ids
        self.organization_ids = units.organization_ids
        units.fill(self)
        if units.single_municipality and len(units.organizations) <= 1:
            del self.fields["organization"]
            del self.fields["sector"]

    def _check_unit(self, name: str, known: object) -> None:
        """A number that is no choice of this user: a forged id, so 404 rather than a
        form error (nothing tells whether such a unit exists)."""
        raw = self.data.get(name)
        if raw in (None, ""):
            return
        value = _int_or_none(raw)
        if value is None:
            return  # not a number: the field's own message
        if value not in known:  # type: ignore[operator]
            raise Http404

    def full_clean(self) -> None:
        self._check_unit("region", self.region_ids)
        self._check_unit("municipality", self.municipality_ids)
        self._check_unit("organization", self.organization_ids)
        super().full_clean()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error("date_to", DATES_REVERSED)
        org, mun = data.get("organization"), data.get("municipality")
        if org is not None and mun is not None and self.organization_ids.get(org) != mun:
            self.add_error("organization", ORG_OUTSIDE_MUNICIPALITY)
        return data

    def filters(self) -> Filters:
        """The filters when the form is valid; none at all otherwise."""
        if not self.is_valid():
            return Filters()
        d = self.cleaned_data
        return Filters(date_from=d.get("date_from"), date_to=d.get("date_to"),
                       municipality_id=d.get("municipality"),
                       organization_id=d.get("organization"), sector=d.get("sector") or None,
                       region_id=d.get("region"))
