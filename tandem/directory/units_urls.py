from django.urls import path

from tandem.directory import units as views

app_name = "territory"
urlpatterns = [
    path("", views.organizations, name="tree"),
    path("choices/", views.organization_choices, name="choices"),
    path("new/", views.organization_create, name="organization_create"),
    path("municipalities/new/", views.municipality_create, name="municipality_create"),
    path("regions/<int:pk>/", views.region_edit, name="region_edit"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/curators/<int:assignment_pk>/revoke/", views.curator_revoke_view,
         name="curator_revoke"),
]
