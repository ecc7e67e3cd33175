from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import Scope
from tandem.diagnostics.models import Competency
from tandem.resources.models import Format, Kind, Level, Resource
from tandem.resources.selectors import ResourceFilters
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.forms import DateInput

LEVEL_NOT_YOURS = _("Этот уровень ведёт другой оператор: выберите свой.")
DATES_REVERSED = _("Окончание раньше начала.")


def owner_choices(scope: Scope) -> list[tuple[str, str]]:
    """Units whose catalogue the user keeps: «r:1» (region), «m:2», «o:3»."""
    regions = Region.objects.all() if scope.everything else Region.objects.filter(
        pk__in=scope.region_ids)
    municipalities = (Municipality.objects.all() if scope.everything
                      else Municipality.objects.filter(pk__in=scope.municipality_ids))
    organizations = (Organization.objects.all() if scope.everything
                     else Organization.objects.filter(pk__in=scope.organization_ids))
    return ([(f"r:{r.pk}", str(r)) for r in regions]
            + [(f"m:{m.pk}", str(m)) for m in municipalities]
            + [(f"o:{o.pk}", str(o)) for o in organizations])


class ResourceForm(forms.ModelForm[Resource]):
    owner = forms.ChoiceField(label=_("Чей ресурс"))

    class Meta:
        model = Resource
        fields = ["title", "kind", "level", "description", "url", "starts_on", "ends_on",
                  "format", "owner_name", "competencies", "is_active"]
        widgets = {"starts_on": DateInput(),
                   "ends_on": DateInput(),
                   "description": forms.Textarea(attrs={"rows": 3}),
                   "competencies": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args: object, scope: Scope, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].choices = owner_choices(scope)  # type: ignore[attr-defined]
        self.fields["competencies"].queryset = (  # type: ignore[attr-defined]
            Competency.objects.filter(is_active=True).select_related("area"))
        instance = self.instance
        if instance.pk:
            unit = instance.unit
            prefix = {"Region": "r", "Municipality": "m", "Organization": "o"}[
                type(unit).__name__]
            self.initial["owner"] = f"{prefix}:{unit.pk}"  # type: ignore[union-attr]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        owner, level = str(data.get("owner", "")), data.get("level")
        kind = owner.partition(":")[0]
        allowed = {"r": {Level.REGION, Level.FEDERAL}, "m": {Level.MUNICIPALITY},
                   "o": {Level.ORGANIZATION}}.get(kind, set())
        if level and level not in allowed:
            self.add_error("level", LEVEL_NOT_YOURS)
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:  # type: ignore[operator]
            self.add_error("ends_on", DATES_REVERSED)
        return data

    def save(self, commit: bool = True) -> Resource:
        resource = super().save(commit=False)
        kind, _sep, pk = str(self.cleaned_data["owner"]).partition(":")
        resource.region = Region.objects.get(pk=pk) if kind == "r" else None
        resource.municipality = Municipality.objects.get(pk=pk) if kind == "m" else None
        resource.organization = Organization.objects.get(pk=pk) if kind == "o" else None
        if commit:
            resource.save()
            self.save_m2m()
        return resource


class ResourceFilterForm(forms.Form):
    q = forms.CharField(label=_("Поиск"), required=False, max_length=100)
    competency = forms.ChoiceField(label=_("Компетенция"), required=False)
    level = forms.ChoiceField(label=_("Уровень"), required=False,
                              choices=[("", _("любой")), *Level.choices])
    kind = forms.ChoiceField(label=_("Тип"), required=False,
                             choices=[("", _("любой")), *Kind.choices])
    format = forms.ChoiceField(label=_("Формат"), required=False,
                               choices=[("", _("любой")), *Format.choices])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["competency"].choices = [  # type: ignore[attr-defined]
            ("", _("любая")),
            *Competency.objects.filter(is_active=True).values_list("code", "name")]

    def filters(self) -> ResourceFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ResourceFilters(text=data.get("q", ""), competency=data.get("competency", ""),
                               level=data.get("level", ""), kind=data.get("kind", ""),
                               format=data.get("format", ""))
