from django.contrib import admin

from tandem.people.models import Participant


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin[Participant]):
    list_display = ["surname", "name", "patronymic", "organization", "position", "is_active"]
    list_filter = ["is_active", "age_band", "organization__municipality"]
    search_fields = ["search_name", "email"]
    list_select_related = ["organization"]
    raw_id_fields = ["line_manager", "user", "organization"]
