from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.access.forms import unit_filter
from tandem.access.scope import Scope
from tandem.diagnostics.forms import ImportForm
from tandem.diagnostics.models import Competency
from tandem.resources.models import (
    FEDERAL_CATALOGUE,
    OWNER_LEVELS,
    Federal,
    Format,
    Kind,
    Level,
    Owner,
    Resource,
    owner_fields,
)
from tandem.resources.selectors import ResourceFilters, competencies_active, owner_region_id
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.forms import DateInput, form_id, id_formfield

LEVEL_NOT_YOURS = _("Этот уровень ведёт другой оператор: выберите свой.")
DATES_REVERSED = _("Окончание раньше начала.")
OTHER_REGIONS_COMPETENCY = _("Компетенции другого региона: %(names)s. Ресурс развивает "
                             "федеральные компетенции и компетенции региона владельца.")

OWNER_PREFIXES: dict[str, type[Region | Municipality | Organization]] = {
    "r": Region, "m": Municipality, "o": Organization}
FEDERAL_CHOICE = "f"  # the federal catalogue: one for the country, so no id


def owner_choices(scope: Scope) -> list[tuple[str, str]]:
    """Catalogues the user keeps: «f» (the federal one, for the federal operator), «r:1»
    (a region), «m:2», «o:3»."""
    regions = Region.objects.all() if scope.everything else Region.objects.filter(
        pk__in=scope.region_ids)
    municipalities = (Municipality.objects.all() if scope.everything
                      else Municipality.objects.filter(pk__in=scope.municipality_ids))
    organizations = (Organization.objects.all() if scope.everything
                     else Organization.objects.filter(pk__in=scope.organization_ids))
    federal = ([(FEDERAL_CHOICE, str(FEDERAL_CATALOGUE))] if scope.is_federal_operator
               else [])
    return (federal + [(f"r:{r.pk}", str(r)) for r in regions]
            + [(f"m:{m.pk}", str(m)) for m in municipalities]
            + [(f"o:{o.pk}", str(o)) for o in organizations])


def owner_choice(owner: Owner) -> str:
    """The choice value of a catalogue: «f», «r:1», «m:2», «o:3»."""
    if isinstance(owner, Federal):
        return FEDERAL_CHOICE
    prefix = next(p for p, model in OWNER_PREFIXES.items() if isinstance(owner, model))
    return f"{prefix}:{owner.pk}"


def owner_type(value: str) -> type[Owner] | None:
    """The kind of catalogue a choice value names (not checked against the user's)."""
    if value == FEDERAL_CHOICE:
        return Federal
    return OWNER_PREFIXES.get(value.partition(":")[0])


def owner_from_choice(value: str) -> Owner | None:
    """The catalogue a choice value names; check it against ``owner_choices`` first."""
    if value == FEDERAL_CHOICE:
        return FEDERAL_CATALOGUE
    prefix, _sep, pk = value.partition(":")
    model = OWNER_PREFIXES.get(prefix)
    if model is None or not form_id(pk):
        return None
    return model.objects.filter(pk=form_id(pk)).first()


class ResourceForm(forms.ModelForm[Resource]):
    owner = forms.ChoiceField(label=_("Чей ресурс"))

    class Meta:
        model = Resource
        formfield_callback = id_formfield
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
            Competency.objects.filter(scope.competency_q(), is_active=True)
            .select_related("area"))
        if self.instance.pk:
            self.initial["owner"] = owner_choice(self.instance.owner)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        owner, level = str(data.get("owner", "")), data.get("level")
        model = owner_type(owner)
        allowed = OWNER_LEVELS[model] if model else ()
        if level and level not in allowed:
            self.add_error("level", LEVEL_NOT_YOURS)
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:  # type: ignore[operator]
            self.add_error("ends_on", DATES_REVERSED)
        unit = owner_from_choice(owner) if model else None
        if unit is not None:
            region_id = owner_region_id(unit)  # None for the federal catalogue
            foreign = [c.name for c in data.get("competencies") or []  # type: ignore[attr-defined]
                       if c.region_id not in (None, region_id)]
            if foreign:
                self.add_error("competencies", str(OTHER_REGIONS_COMPETENCY) % {
                    "names": ", ".join(foreign)})
        return data

    def save(self, commit: bool = True) -> Resource:
        resource = super().save(commit=False)
        owner = owner_from_choice(str(self.cleaned_data["owner"]))
        assert owner is not None  # the choice was validated against owner_choices()
        for name, unit in owner_fields(owner).items():
            setattr(resource, name, unit)
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

    def __init__(self, *args: object, scope: Scope, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.scope = scope
        self.fields["competency"].choices = [  # type: ignore[attr-defined]
            ("", _("любая")), *competencies_active(scope=scope)]
        # ``?organization=`` (the API's parameter, links): the resources that organization
        # keeps — by the rule of every list (``access.forms.unit_filter``); one not the
        # user's is said (:attr:`refused`) and not applied.
        self.territory = unit_filter(scope, self.data, parameters=("organization",))
        self.refused = list(self.territory.errors.values())

    def filters(self) -> ResourceFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ResourceFilters(text=data.get("q", ""), competency=data.get("competency", ""),
                               level=data.get("level", ""), kind=data.get("kind", ""),
                               format=data.get("format", ""),
                               organization_id=self.territory.organization_id)


class ResourceImportForm(ImportForm):
    """The file (XLSX or CSV, up to 5 MB, as for diagnostic results) and whose catalogue
    its rows join."""

    owner = forms.ChoiceField(label=_("Чей каталог пополняем"))

    def __init__(self, *args: object, scope: Scope, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].choices = owner_choices(scope)  # type: ignore[attr-defined]
        self.order_fields(["owner", "file"])

    def clean_owner(self) -> Owner:
        owner = owner_from_choice(self.cleaned_data["owner"])
        if owner is None:  # deleted between the page and the post
            raise forms.ValidationError(self.fields["owner"].error_messages["invalid_choice"],
                                        params={"value": self.cleaned_data["owner"]})
        return owner
