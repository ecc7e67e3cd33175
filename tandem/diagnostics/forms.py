import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.access.forms import (
    MUNICIPALITY_NOT_YOURS,
    UnitChoices,
    UnitsRefresh,
    prefixed_id,
    refill_attrs,
    with_value,
)
from tandem.access.forms import unit_choices as access_units
from tandem.access.scope import Scope
from tandem.core.text import sort_key
from tandem.diagnostics.models import (
    REGIONAL_CODE_SEPARATOR,
    Campaign,
    Competency,
    regional_code_prefix,
)
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.forms import (
    BLANK_CHOICE,
    DateInput,
    IdChoiceField,
    collate,
    form_id,
    id_formfield,
)
from tandem.web.uploads import content_problem

UNIT_REQUIRED = _("Выберите, для кого диагностика.")
DATES_REVERSED = _("Окончание не может быть раньше начала.")
BASELINE_FOR_FINAL_ONLY = _("Входную диагностику для сравнения указывают только у итоговой.")
FILE_TOO_BIG = _("Файл больше %(mb)s МБ. Разбейте его на части.")

Unit = Region | Municipality | Organization
ORGANIZATION = "o:"  # «Для кого»: an organization's value is «o:<id>»


def unit_choices(scope: Scope, *, municipality: object = None,
                 organization: object = None) -> list[tuple[str, str]]:
    """The territory units the user may run a campaign for: «r:1», «m:2», «o:3» — the
    organizations of one municipality at most (the chosen one, or the chosen
    organization's; all of them in a scope of one municipality), never all of a region's
    thousands (issue #16: ``access.forms.unit_choices``)."""
    return [*_above(scope), *_organization_choices(access_units(
        scope, municipality=municipality, organization=organization, prefix=ORGANIZATION))]


def _above(scope: Scope) -> list[tuple[str, str]]:
    """The regions and the municipalities the user coordinates: tens at most."""
    regions = Region.objects.all()
    if not scope.everything:
        regions = regions.filter(pk__in=scope.region_ids)
    municipalities = scope.coordinated_municipalities()
    choices = [(f"r:{r.pk}", str(_("Весь регион: %(name)s") % {"name": r.name}))
               for r in sorted(regions, key=lambda r: sort_key(r.name))]
    choices += [(f"m:{m.pk}", str(_("Муниципалитет: %(name)s") % {"name": m.name}))
                for m in sorted(municipalities, key=lambda m: sort_key(m.name))]
    return choices


def _organization_choices(units: UnitChoices) -> list[tuple[str, str]]:
    """The organizations shown: the chosen municipality's, or all of a scope of one."""
    if units.municipality is None and not units.single_municipality:
        return []
    return [(f"{ORGANIZATION}{pk}", str(_("Организация: %(name)s") % {"name": name}))
            for pk, name in units.offered()]


def unit_from_choice(value: str) -> Unit | None:
    kind, _sep, pk = value.partition(":")
    model = {"r": Region, "m": Municipality, "o": Organization}.get(kind)
    if model is None or not form_id(pk):
        return None
    return model.objects.filter(pk=form_id(pk)).first()  # type: ignore[attr-defined, no-any-return]


def baseline_label(campaign: Campaign) -> str:
    """«Сравнить с входной»: the campaign after its unit — the initial campaigns of a
    municipality's organizations are often all called the same («Входная диагностика
    2026/27»), and a phone's select shows only the beginning of the chosen one."""
    unit = campaign.unit
    if unit is None:
        return campaign.title
    return str(_("%(unit)s — %(title)s") % {"title": campaign.title, "unit": unit})


UNIT_NOT_YOURS = _("Такой территории нет среди ваших: выберите, для кого диагностика, из "
                   "списка.")


class UnitSelect(forms.Select):
    """«Для кого»: its organizations' group has an id, which htmx refills when the
    municipality changes."""

    template_name = "diagnostics/_unit_select.html"


class CampaignForm(UnitsRefresh, forms.Form):
    """A new campaign. «Для кого» lists the region, the municipalities and the
    organizations of one municipality (chosen in «Муниципалитет»: htmx refills the list,
    without scripts «Показать организации» shows the form again with its values, nothing
    saved); an organization outside the scope is refused with a message."""

    municipality = forms.TypedChoiceField(
        label=_("Муниципалитет организаций"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": MUNICIPALITY_NOT_YOURS})
    title = forms.CharField(label=_("Название"), max_length=200,
                            error_messages={"required": _("Назовите диагностику.")})
    kind = forms.ChoiceField(label=_("Вид"), choices=Campaign.Kind.choices)
    unit = forms.ChoiceField(label=_("Для кого"), widget=UnitSelect,
                             error_messages={"required": UNIT_REQUIRED,
                                             "invalid_choice": UNIT_NOT_YOURS})
    starts_on = forms.DateField(label=_("Начало"), widget=DateInput())
    ends_on = forms.DateField(label=_("Окончание"), widget=DateInput())
    with_expert = forms.BooleanField(label=_("С экспертной оценкой куратора"), required=False)
    baseline = IdChoiceField(label=_("Сравнить с входной"), required=False,
                                      queryset=Campaign.objects.none())
    only_with_consent = forms.BooleanField(
        label=_("Только участники с обоими согласиями"), required=False, initial=True)

    def __init__(self, *args: object, scope: Scope, baselines: QuerySet[Campaign],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        organization = self._units(scope)
        # A region has an initial campaign for each of its thousands of organizations: the
        # ones offered are those of the region and municipalities and of the organizations
        # «Для кого» offers now — one municipality's at most, a curator's own — so that a
        # final can compare with its own unit's initial one before any organization is
        # chosen (a curator has no municipality select to refresh the form; review finding).
        own = Q(organization__isnull=True) | Q(organization_id__in=sorted(
            self.units.organization_ids))
        if organization is not None:
            own |= Q(organization_id=organization)
        baseline = self.fields["baseline"]
        collate(baseline)  # (before the queryset: setting it gives the widget its options)
        baseline.label_from_instance = baseline_label  # type: ignore[attr-defined]
        baseline.queryset = baselines.filter(own).select_related(  # type: ignore[attr-defined]
            "region", "municipality", "organization")
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today + dt.timedelta(days=14)

    def _units(self, scope: Scope) -> int | None:
        """Fills «Муниципалитет» and «Для кого»; the chosen organization's id, if any."""
        raw_mun = self.data.get(self.add_prefix("municipality")) if self.is_bound else None
        raw_unit = self.data.get(self.add_prefix("unit")) if self.is_bound else None
        units = access_units(scope, municipality=raw_mun, organization=raw_unit,
                             prefix=ORGANIZATION)
        organization = prefixed_id(raw_unit, ORGANIZATION)
        chosen = units.organization_ids.get(organization or 0)
        if self.is_bound and not raw_mun and chosen is not None:
            # No municipality sent (an old page): the chosen organization's.
            self.data = with_value(self.data, self.add_prefix("municipality"), str(chosen))
            units = access_units(scope, municipality=chosen, organization=raw_unit,
                                 prefix=ORGANIZATION)
        self.units = units
        above = _above(scope)
        # The posted organization is allowed when it is the user's, whatever municipality
        # is chosen; those shown are the chosen municipality's.
        self.allowed = {value for value, _label in above}
        self.allowed |= {f"{ORGANIZATION}{pk}" for pk in units.organization_ids}
        shown = _organization_choices(units)
        unit = self.fields["unit"]
        unit.choices = [("", BLANK_CHOICE), *above,  # type: ignore[attr-defined]
                        (str(_("Организации")), shown)]
        unit.valid_value = self.allowed.__contains__  # type: ignore[attr-defined]
        if units.single_municipality:
            del self.fields["municipality"]
        else:
            municipality = self.fields["municipality"]
            municipality.choices = [("", BLANK_CHOICE), *units.municipalities]  # type: ignore[attr-defined]
            refill_attrs(municipality, target=f"{self['unit'].auto_id}-organizations",
                         prefix=ORGANIZATION)
        return organization if organization in units.organization_ids else None

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", DATES_REVERSED)
        if data.get("baseline") and data.get("kind") != Campaign.Kind.FINAL:
            self.add_error("baseline", BASELINE_FOR_FINAL_ONLY)
        if data.get("unit"):
            data["unit_object"] = unit_from_choice(str(data["unit"]))
            if data["unit_object"] is None:
                self.add_error("unit", UNIT_REQUIRED)
        return data


FEDERAL = "federal"
CODE_TAKEN = _("Компетенция с таким кодом уже есть: выберите другой код.")
REGIONAL_CODE = _("Код региональной компетенции начинается с «%(prefix)s» и дальше пишется "
                  "латиницей, цифрами, «_», «-» или «.», например %(prefix)slocal_history.")
FEDERAL_CODE = _("Двоеточие в коде — признак региональной компетенции: в коде федеральной его "
                 "быть не может.")
REGIONAL_CODE_REST = re.compile(r"[a-z0-9_.-]+")


class CompetencyForm(forms.ModelForm[Competency]):
    """A federal competency (the federal operator's) or a region's own (its operator's);
    whose it is is chosen once, when it is added."""

    owner = forms.ChoiceField(label=_("Чья компетенция"))

    class Meta:
        model = Competency
        formfield_callback = id_formfield
        fields = ["owner", "area", "code", "name", "description", "descriptor_0",
                  "descriptor_1", "descriptor_2", "descriptor_3", "typical_direction", "order",
                  "is_active"]
        widgets = {f"descriptor_{i}": forms.Textarea(attrs={"rows": 2}) for i in range(4)} | {
            "description": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"code": {"unique": CODE_TAKEN}}
        help_texts = {"code": _("Латиницей. Федеральная: область.название, например "
                                "ict.ai_lessons; региональная: код региона, двоеточие и "
                                "название, например tyumen:local_history.")}

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.all() if scope.everything else Region.objects.filter(
            pk__in=scope.region_ids)
        self.regions = {str(r.pk): r for r in regions}
        choices: list[tuple[str, str]] = (
            [(FEDERAL, str(_("федеральная")))] if scope.can_edit_framework else [])
        choices += [(pk, str(_("региональная: %(name)s") % {"name": r.name}))
                    for pk, r in self.regions.items()]
        field = self.fields["owner"]
        field.choices = choices  # type: ignore[attr-defined]
        if self.instance.pk:  # whose it is never changes: its code and answers depend on it
            field.disabled = True
            whose = str(self.instance.region or _("федеральная"))
            field.choices = [(self._owner_value(), whose)]  # type: ignore[attr-defined]
            self.initial["owner"] = self._owner_value()
        elif len(choices) == 1:
            self.initial["owner"] = choices[0][0]
            if choices[0][0] in self.regions:  # a region operator's: start with the prefix
                self.initial.setdefault("code", regional_code_prefix(
                    self.regions[choices[0][0]]))

    def _owner_value(self) -> str:
        return str(self.instance.region_id) if self.instance.region_id else FEDERAL

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        owner = data.get("owner")
        if not self.instance.pk and owner:
            self.instance.region = self.regions.get(owner)  # None: federal
        code = data.get("code")
        # A kept code stays valid even if its region's code was changed since.
        if code and owner and not (self.instance.pk and code == self.instance.code):
            region = self.instance.region
            if region is not None:
                prefix = regional_code_prefix(region)
                if not (code.startswith(prefix)
                        and REGIONAL_CODE_REST.fullmatch(code[len(prefix):])):
                    self.add_error("code", REGIONAL_CODE % {"prefix": prefix})
            elif REGIONAL_CODE_SEPARATOR in code:
                self.add_error("code", FEDERAL_CODE)
        return data


class PublishForm(forms.Form):
    note = forms.CharField(label=_("Что изменилось"), max_length=300,
                           error_messages={"required": _("Коротко опишите изменения.")})


class ImportForm(forms.Form):
    MAX_MB = 5
    file = forms.FileField(label=_("Файл XLSX или CSV"),
                           error_messages={"required": _("Выберите файл.")})

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        if f.size > self.MAX_MB * 1024 * 1024:
            raise forms.ValidationError(FILE_TOO_BIG % {"mb": self.MAX_MB})
        # A renamed picture or program is refused before it is stored.
        if problem := content_problem(f):
            raise forms.ValidationError(problem)
        return f
