from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import Scope
from tandem.core.text import sort_key
from tandem.school.models import Event, Material
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.attachments import AttachmentForm
from tandem.web.forms import id_formfield

ENDS_BEFORE = _("Окончание не может быть раньше начала.")
PLACE_OR_LINK = _("Укажите место проведения или ссылку на онлайн-трансляцию.")
NO_ORGANIZER = _("Выберите организатора из списка.")


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (ISO whatever the page language)."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class EventForm(forms.ModelForm[Event]):
    organizer = forms.ChoiceField(label=_("Проводит"))
    sectors = forms.MultipleChoiceField(
        label=_("Аудитория (сферы)"), required=False, choices=Organization.Sector.choices,
        widget=forms.CheckboxSelectMultiple, help_text=_("Ничего не отмечено — для всех сфер."))

    class Meta:
        model = Event
        formfield_callback = id_formfield
        fields = ["kind", "title", "description", "starts_at", "ends_at", "place",
                  "online_link", "speaker", "capacity", "hours", "organizer_name",
                  "signatory_name", "signatory_position", "self_registration"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput(),
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = sorted(scope.regions().filter(pk__in=scope.region_ids)
                         if not scope.everything else Region.objects.all(),
                         key=lambda r: sort_key(r.name))
        municipalities = sorted(scope.municipalities().filter(
            _scope_municipalities(scope)).select_related("region"),
            key=lambda m: sort_key(m.name))
        choices = [(f"region:{r.pk}", str(_("%(name)s (региональное)") % {"name": r.name}))
                   for r in regions]
        choices += [(f"municipality:{m.pk}", m.name) for m in municipalities]
        self.fields["organizer"].choices = choices  # type: ignore[attr-defined]
        self._units: dict[str, Region | Municipality] = {f"region:{r.pk}": r for r in regions}
        self._units.update({f"municipality:{m.pk}": m for m in municipalities})
        if self.instance.pk:
            self.initial["organizer"] = (f"municipality:{self.instance.municipality_id}"
                                         if self.instance.municipality_id
                                         else f"region:{self.instance.region_id}")
            self.initial["sectors"] = self.instance.sectors

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", ENDS_BEFORE)
        if not data.get("place") and not data.get("online_link"):
            self.add_error("place", PLACE_OR_LINK)
        unit = self._units.get(data.get("organizer", ""))
        if unit is None:
            self.add_error("organizer", NO_ORGANIZER)
        elif isinstance(unit, Region):
            data["region"], data["municipality"] = unit, None
        else:
            data["region"], data["municipality"] = unit.region, unit
        return data


def _scope_municipalities(scope: Scope) -> Q:
    """The municipalities the user coordinates (see ``Scope.coordinated_municipalities``)."""
    return Q(pk__in=scope.coordinated_municipalities().values("pk"))


class MaterialForm(AttachmentForm):
    """An event's material: a title and a file or a link (web/attachments.py)."""

    title = forms.CharField(label=_("Название"), max_length=300, required=False)
    field_order = ["title", "file", "link"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, max_upload_mb=Material.max_upload_mb, **kwargs)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Код сертификата"), max_length=40,
                           widget=forms.TextInput(attrs={"placeholder": "XXXX-XXXX-XXXX",
                                                         "autocomplete": "off"}))

