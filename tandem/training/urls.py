from django.urls import path

from tandem.training import views

app_name = "training"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("events/<int:pk>/", views.event_teams, name="event"),
    path("events/<int:pk>/teams/new/", views.team_create, name="team_create"),
    path("events/<int:pk>/teams/split/", views.teams_split, name="teams_split"),
    path("events/<int:pk>/cases/<int:case_pk>/compare/", views.compare, name="compare"),
    path("teams/<int:pk>/map/", views.team_map, name="team_map"),
    path("teams/<int:pk>/map/rows/new/", views.row_add, name="row_add"),
    path("teams/<int:pk>/map/rows/from-library/", views.row_from_library,
         name="row_from_library"),
    path("teams/<int:pk>/present/", views.present, name="present"),
    path("teams/<int:pk>/score/", views.score, name="score"),
]
