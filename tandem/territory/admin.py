from django.contrib import admin

from tandem.territory.models import Municipality, Organization, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["name", "code", "time_zone"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ["name", "code", "kind", "region"]
    list_filter = ["region", "kind"]

    # No «delete selected» (the only action): municipalities are deleted one at a time.
    # Each deletion re-sums its region's kept sums under the region's lock; several at once
    # took the regions' locks in the order of the rows, not of the regions, and could
    # deadlock with a rebuild (review of h/fedtech).
    actions = None


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["short_name", "code", "sector", "municipality", "is_active"]
    list_filter = ["sector", "municipality", "is_active"]
    search_fields = ["name", "short_name", "code"]
