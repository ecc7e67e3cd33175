from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.people.models import Participant
from tandem.territory.models import Organization


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
