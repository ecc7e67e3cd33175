"""The one filter form of the monitoring dashboards, reports, the API's monitoring figures and
the survey results page: a GET form whose values are checked against the user's scope (a
foreign unit id is a 404, never a choice)."""

import datetime as dt

from django import forms
from django.db.models import Q
from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.core.text import sort_key
from tandem.territory.models import Organization, Region

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
        # The municipalities in scope; the organizations of one of them at most (the chosen
        # municipality's, the chosen organization's, or all where the scope has a single
        # municipality): a region of 300,000 people has thousands of organizations, and
        # a select of all of them was most of the page (two queries either way).
        in_scope = scope.organizations()
        municipalities = sorted(scope.organization_municipalities().values_list("pk", "name"),
                                key=lambda x: (sort_key(x[1]), x[0]))
        self.municipality_ids = {m for m, _n in municipalities}
        chosen = _int_or_none(data.get("municipality"))
        chosen_org = _int_or_none(data.get("organization"))
        if len(municipalities) <= 1:
            offered_q = Q()
        else:
            offered_q = Q(municipality_id=chosen if chosen in self.municipality_ids else None)
            if chosen_org is not None:
                offered_q |= Q(municipality_id__in=in_scope.filter(pk=chosen_org)
                               .values("municipality_id"))
        orgs = sorted(in_scope.filter(offered_q).values_list("pk", "short_name",
                                                             "municipality_id"),
                      key=lambda o: (sort_key(o[1]), o[0]))
        self.organization_ids = {o: m for o, _n, m in orgs}
        self.fields["municipality"].choices = [  # type: ignore[attr-defined]
            ("", _("все муниципалитеты")), *municipalities]
        if chosen in self.municipality_ids:  # the organizations of that municipality only
            offered = [(o, n) for o, n, m in orgs if m == chosen]
        else:
            offered = [(o, n) for o, n, _m in orgs]
        empty = (_("все организации") if offered or len(municipalities) <= 1
                 else _("все — выберите муниципалитет"))
        self.fields["organization"].choices = [("", empty), *offered]  # type: ignore[attr-defined]
        if len(municipalities) <= 1:
            del self.fields["municipality"]
        if len(municipalities) <= 1 and len(orgs) <= 1:
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
