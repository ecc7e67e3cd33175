"""Forms of the territory (units, curators) and of participants; choices come from the Scope."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.access.forms import (
    CHOOSE_MUNICIPALITY_FIRST,
    ORG_OUTSIDE_MUNICIPALITY,
    UnitFilterForm,
    UnitsRefresh,
    refill_attrs,
    unit_choices,
    unit_filter,
    with_value,
)
from tandem.access.scope import Scope
from tandem.core.text import sort_key
from tandem.directory.selectors import ParticipantFilters
from tandem.people.models import MAX_EXPERIENCE_YEARS, AgeBand, Participant
from tandem.territory import zones
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.forms import (
    BLANK_CHOICE,
    DateInput,
    IdChoiceField,
    WholeNumberField,
    collate,
    form_id,
    id_formfield,
)


class CuratorAssignForm(forms.Form):
    participant = IdChoiceField(
        label=_("Сотрудник"), queryset=Participant.objects.none(),
        error_messages={"required": _("Выберите сотрудника."),
                        "invalid_choice": _("Такого сотрудника нет в этой организации.")})

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["participant"].queryset = (  # type: ignore[attr-defined]
            Participant.objects.filter(organization=organization, is_active=True)
            .order_by("search_name", "pk"))  # «ё» = «е», case ignored (normalize_name)


CODE_HELP = _("Латинские буквы, цифры и дефис; по коду организацию находят при загрузке "
              "списков.")
CODE_TAKEN = _("Этот код уже занят.")
NO_REGION = _("Выберите регион.")
NO_MUNICIPALITY = _("Выберите муниципалитет.")


ZONE_REQUIRED = _("Выберите часовой пояс.")
ZONE_NOT_LISTED = _("Выберите часовой пояс из списка.")


class RegionForm(forms.ModelForm[Region]):
    """A region's own settings: its time zone, one of Russia's (``tandem.territory.zones``);
    the model checks the name once more."""

    time_zone = forms.ChoiceField(
        label=_("Часовой пояс"),
        help_text=_("В нём участники региона видят даты и время, в нём считается «сегодня» "
                    "для сроков, и в рабочие часы этого пояса уходят напоминания."),
        error_messages={"required": ZONE_REQUIRED, "invalid_choice": ZONE_NOT_LISTED})

    class Meta:
        model = Region
        fields = ["time_zone"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["time_zone"].choices = zones.choices(  # type: ignore[attr-defined]
            self.instance.time_zone if self.instance.pk else None)


class MunicipalityForm(forms.ModelForm[Municipality]):
    class Meta:
        model = Municipality
        formfield_callback = id_formfield
        fields = ["region", "name", "kind", "code"]
        help_texts = {"code": CODE_HELP}
        error_messages = {
            "region": {"required": NO_REGION, "invalid_choice": NO_REGION},
            "name": {"required": _("Укажите название муниципалитета.")},
            "code": {"required": _("Укажите код."), "unique": CODE_TAKEN},
        }

    def __init__(self, *args: object, regions: QuerySet[Region], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        collate(self.fields["region"])
        only = list(regions.values_list("pk", flat=True)[:2])
        if len(only) == 1:
            self.initial.setdefault("region", only[0])


class OrganizationForm(forms.ModelForm[Organization]):
    class Meta:
        model = Organization
        formfield_callback = id_formfield
        fields = ["municipality", "name", "short_name", "sector", "code"]
        help_texts = {"code": CODE_HELP}
        error_messages = {
            "municipality": {"required": NO_MUNICIPALITY, "invalid_choice": NO_MUNICIPALITY},
            "name": {"required": _("Укажите полное название.")},
            "short_name": {"required": _("Укажите краткое название.")},
            "sector": {"required": _("Выберите сферу.")},
            "code": {"required": _("Укажите код."), "unique": CODE_TAKEN},
        }

    def __init__(self, *args: object, municipalities: QuerySet[Municipality],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["municipality"].queryset = (  # type: ignore[attr-defined]
            municipalities.select_related("region").order_by("name"))
        collate(self.fields["municipality"])


# One answer for every duplicate, wherever the other card is (#13): the refusal must not
# tell a curator that an address exists in another organization or region, nor whose it is.
EMAIL_TAKEN = _("Этот e-mail указать нельзя: он уже служит для входа в систему. Проверьте "
                "адрес; если человек перешёл из другой организации, его карточку переводит "
                "тот, кто её ведёт.")
CONFLICT = _("Пока вы редактировали карточку, её сохранил другой пользователь. Ничего не "
             "перезаписано: ниже — сохранённые сведения; внесите свои изменения снова.")
SURNAME_REQUIRED = _("Укажите фамилию.")
NAME_REQUIRED = _("Укажите имя.")
MANAGER_OTHER_ORGANIZATION = _("Руководитель должен работать в той же организации.")
MANAGER_SELF = _("Участник не может быть своим руководителем.")
CONSENT_IN_FUTURE = _("Дата согласия не может быть в будущем.")
EXPERIENCE_NEGATIVE = _("Стаж не может быть отрицательным.")
EXPERIENCE_TOO_LONG = _("Стаж не может быть больше 60 лет.")
EXPERIENCE_TOO_LONG_FOR_AGE = _("Стаж не может быть больше, чем позволяет возрастная группа.")

# The smallest age in each band, minus the youngest age one can start teaching at (16).
_MAX_EXPERIENCE_FOR_BAND = {
    AgeBand.UNDER_25: 9, AgeBand.FROM_25: 18, AgeBand.FROM_35: 28,
    AgeBand.FROM_45: 38, AgeBand.FROM_55: 48, AgeBand.FROM_65: 60,
}


class ParticipantChecks(forms.BaseForm):
    """The checks shared by every way a participant is entered: this form and the roster
    import (``tandem.roster``), so a file cannot let in what the form refuses."""

    def _clean_consent(self, field: str) -> object:
        value = self.cleaned_data.get(field)
        if value and value > timezone.localdate():
            raise forms.ValidationError(CONSENT_IN_FUTURE, code="future")
        return value

    def clean_mentoring_consent_date(self) -> object:
        return self._clean_consent("mentoring_consent_date")

    def clean_personal_data_consent_date(self) -> object:
        return self._clean_consent("personal_data_consent_date")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        band, years = data.get("age_band"), data.get("experience_years")
        if band and isinstance(years, int) and years > _MAX_EXPERIENCE_FOR_BAND.get(band, 60):
            self.add_error("experience_years", EXPERIENCE_TOO_LONG_FOR_AGE)
        return data


ORGANIZATION_NOT_YOURS = _("Такой организации нет среди ваших: выберите организацию из списка.")
MUNICIPALITY_NOT_YOURS = _("Такого муниципалитета нет среди ваших: выберите муниципалитет из "
                           "списка.")


class ParticipantForm(UnitsRefresh, ParticipantChecks, forms.ModelForm[Participant]):
    """A participant's card. Its organization is chosen after its municipality (a region
    has thousands of organizations, issue #16): the municipality select refills the
    organization select by htmx, or without scripts by «Показать организации»
    (:class:`access.forms.UnitsRefresh`); a scope of one municipality has no municipality
    select. An organization outside the scope, or of another municipality than the chosen
    one, is refused with a message; nothing is saved."""

    municipality = forms.TypedChoiceField(
        label=_("Муниципалитет"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": MUNICIPALITY_NOT_YOURS})
    experience_years = WholeNumberField(
        label=_("Педагогический стаж, лет"), min_value=0, max_value=MAX_EXPERIENCE_YEARS,
        error_messages={
            "required": _("Укажите стаж (0, если стажа нет)."),
            "invalid": _("Стаж — целое число лет."),
            "min_value": EXPERIENCE_NEGATIVE,
            "max_value": EXPERIENCE_TOO_LONG,
        })

    # The version the edit starts from (see people.services.participant_save).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0,
                                 max_value=2**31 - 1)

    class Meta:
        model = Participant
        formfield_callback = id_formfield
        fields = [
            "organization", "surname", "name", "patronymic", "position", "subject", "building",
            "experience_years", "age_band", "email", "phone",
            "mentoring_consent_date", "personal_data_consent_date", "line_manager",
        ]
        widgets = {
            "mentoring_consent_date": DateInput(),
            "personal_data_consent_date": DateInput(),
        }
        error_messages = {
            "surname": {"required": SURNAME_REQUIRED},
            "name": {"required": NAME_REQUIRED},
        }

    def __init__(self, *args: object, scope: Scope, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        organizations = scope.organizations()
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["organization"].error_messages["invalid_choice"] = ORGANIZATION_NOT_YOURS
        self.fields["email"].widget.attrs.update({"autocomplete": "off"})
        self._units(scope)
        organization_id = self._organization_id(organizations)
        managers = Participant.objects.none()
        if organization_id:
            managers = Participant.objects.filter(organization_id=organization_id,
                                                  is_active=True)
            if self.instance.pk:
                managers = managers.exclude(pk=self.instance.pk)
        else:
            self.fields["line_manager"].help_text = _(
                "Руководителя можно выбрать после сохранения, когда известна организация.")
        self.fields["line_manager"].queryset = managers  # type: ignore[attr-defined]
        collate(self.fields["line_manager"])

    def _units(self, scope: Scope) -> None:
        """The municipality select and the organizations offered: the chosen
        municipality's, or the municipality of the organization given (the card's, a link's
        ``?organization=``, an API call's) — two queries at any size."""
        if self.is_bound:
            raw_mun = self.data.get(self.add_prefix("municipality"))
            raw_org = self.data.get(self.add_prefix("organization"))
        else:
            raw_mun = self.initial.get("municipality")
            raw_org = self.initial.get("organization") or self.instance.organization_id
        self.units = units = unit_choices(scope, municipality=raw_mun, organization=raw_org)
        org_municipality = units.organization_ids.get(form_id(str(raw_org or "")))
        if units.municipality is None and org_municipality is not None:
            units = self.units = unit_choices(scope, municipality=org_municipality,
                                              organization=raw_org)
            if self.is_bound and not raw_mun:  # an API call or an old page: no municipality
                self.data = with_value(self.data, self.add_prefix("municipality"),
                                       str(org_municipality))
            elif not self.is_bound:
                self.initial["municipality"] = org_municipality
        offered = units.offered() if units.municipality or units.single_municipality else []
        field = self.fields["organization"]
        field.choices = [("", BLANK_CHOICE if offered else CHOOSE_MUNICIPALITY_FIRST),  # type: ignore[attr-defined]
                         *offered]
        if units.single_municipality:
            del self.fields["municipality"]
            return
        municipality = self.fields["municipality"]
        municipality.choices = [("", BLANK_CHOICE), *units.municipalities]  # type: ignore[attr-defined]
        refill_attrs(municipality, target=self["organization"].auto_id)

    def _organization_id(self, organizations: object) -> int | None:
        if self.is_bound:
            raw = self.data.get(self.add_prefix("organization"))
            return form_id(raw) or None
        if self.instance.pk:
            return self.instance.organization_id
        only = list(organizations.values_list("pk", flat=True)[:2])  # type: ignore[attr-defined]
        if len(only) == 1:
            self.initial.setdefault("organization", only[0])
            return only[0]
        return None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        clash = Participant.objects.filter(email__iexact=email)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        manager = data.get("line_manager")
        organization = data.get("organization")
        municipality = data.get("municipality")
        if (organization is not None and municipality is not None
                and organization.municipality_id != municipality):
            self.add_error("organization", ORG_OUTSIDE_MUNICIPALITY)
            organization = None
        if manager is not None:
            if self.instance.pk and manager.pk == self.instance.pk:
                self.add_error("line_manager", MANAGER_SELF)
            elif organization is not None and manager.organization_id != organization.pk:
                self.add_error("line_manager", MANAGER_OTHER_ORGANIZATION)
        return data


def conflict_values(theirs: ParticipantForm, saved: Participant) -> list[tuple[str, str]]:
    """(field label, the value this editor typed) where it differs from the saved card:
    what to enter again after a conflict."""
    out = []
    for name in ParticipantForm.Meta.fields:
        mine, stored = theirs.cleaned_data.get(name), getattr(saved, name)
        if (mine or None) != (stored or None):
            out.append((str(theirs.fields[name].label), "—" if mine in (None, "") else str(mine)))
    return out


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Причина"), max_length=300,
                             error_messages={"required": _("Укажите причину.")})


class ParticipantFilterForm(UnitFilterForm):
    """The filters of the participants' list (and of its export): the territory as on
    every filter (:class:`tandem.access.forms.UnitFilterForm` — a municipality, then one of
    its organizations), the name, the position, the age, the consents, the status."""

    q = forms.CharField(label=_("Поиск по ФИО"), required=False, max_length=100)
    position = forms.ChoiceField(label=_("Должность"), required=False)
    age_band = forms.ChoiceField(label=_("Возраст"), required=False,
                                 choices=[("", _("любой")), *AgeBand.choices])
    consent = forms.ChoiceField(label=_("Согласия"), required=False, choices=[
        ("", _("все")), ("yes", _("оба получены")), ("no", _("не хватает согласия"))])
    status = forms.ChoiceField(label=_("Статус"), required=False, choices=[
        ("active", _("активные")), ("inactive", _("выведенные")), ("all", _("все"))])
    field_order = ["q", "municipality", "organization"]

    def __init__(self, data: QueryDict | None, *, scope: Scope, positions: list[str],
                 **kwargs: object) -> None:
        super().__init__(data, scope=scope, **kwargs)
        self.scope = scope
        self.refused: list[str] = []
        positions = sorted(positions, key=sort_key)
        self.fields["position"].choices = [("", _("все")), *((p, p) for p in positions)]  # type: ignore[attr-defined]

    def filters(self) -> ParticipantFilters:
        """The filters as given; invalid values are ignored. The territory by the rule of
        every list (``access.forms.unit_filter``, the API's too): a unit that is not the
        user's is refused with a message (:attr:`refused`, said above the list — also
        where the select is not shown, a curator's single organization), not applied."""
        if not self.is_valid():
            cleaned = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}
        else:
            cleaned = self.cleaned_data
        territory = unit_filter(self.scope, self.data, units=self.units)
        # The message is said once, above the list (as on the pairs page), not also
        # under the select.
        for name in territory.errors:
            self.errors.pop(name, None)
        self.refused = list(territory.errors.values())
        return ParticipantFilters(
            text=cleaned.get("q") or "",
            municipality_id=territory.municipality_id,
            organization_id=territory.organization_id,
            position=cleaned.get("position") or "",
            age_band=cleaned.get("age_band") or "",
            consent=cleaned.get("consent") or "",
            status=cleaned.get("status") or "active",
        )


class EmailSettingsForm(forms.Form):
    """The teacher's own choice of reminder letters."""

    email_reminders = forms.ChoiceField(
        label=_("Письма-напоминания (просроченные задачи, встречи, опросы)"),
        choices=Participant.EmailReminders.choices, widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Выберите один из вариантов."),
                        "required": _("Выберите один из вариантов.")})
