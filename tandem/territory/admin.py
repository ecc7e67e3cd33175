from django.contrib import admin

from tandem.territory.models import Municipality, Organization, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["name", "code", "time_zone"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ["name", "code", "kind", "region"]
    list_filter = ["region", "kind"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["short_name", "code", "sector", "municipality", "is_active"]
    list_filter = ["sector", "municipality", "is_active"]
    search_fields = ["name", "short_name", "code"]
