from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization, Region


class CuratorAssignForm(forms.Form):
    participant = forms.ModelChoiceField(
        label=_("Сотрудник"), queryset=Participant.objects.none(),
        error_messages={"required": _("Выберите сотрудника."),
                        "invalid_choice": _("Такого сотрудника нет в этой организации.")})

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["participant"].queryset = (  # type: ignore[attr-defined]
            Participant.objects.filter(organization=organization, is_active=True)
            .order_by("surname", "name", "patronymic"))


CODE_HELP = _("Латинские буквы, цифры и дефис; по коду организацию находят при загрузке "
              "списков.")
CODE_TAKEN = _("Этот код уже занят.")
NO_REGION = _("Выберите регион.")
NO_MUNICIPALITY = _("Выберите муниципалитет.")


class MunicipalityForm(forms.ModelForm[Municipality]):
    class Meta:
        model = Municipality
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
        only = list(regions.values_list("pk", flat=True)[:2])
        if len(only) == 1:
            self.initial.setdefault("region", only[0])


class OrganizationForm(forms.ModelForm[Organization]):
    class Meta:
        model = Organization
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
