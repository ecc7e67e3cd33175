from django.contrib import admin

from tandem.access.models import RoleAssignment


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin[RoleAssignment]):
    list_display = ["user", "role", "region", "municipality", "organization"]
    list_filter = ["role"]
    raw_id_fields = ["user", "organization"]
