from django.urls import path

from tandem.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sections/<slug:name>/", views.section, name="section"),
    path("<int:pk>/resources/", views.resources, name="resources"),
    path("<int:pk>/roadmap/", views.roadmap_add, name="roadmap_add"),
    path("roadmap/<int:pk>/delete/", views.roadmap_delete, name="roadmap_delete"),
    path("<int:pk>/indicators/", views.indicator_add, name="indicator_add"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
    path("<int:pk>/adopt/", views.adopt, name="adopt"),
    path("<int:pk>/revise/", views.revise, name="revise"),
    path("<int:pk>/documents/<slug:kind>.<slug:fmt>", views.document, name="document"),
]
