from django.urls import path

from tandem.directory import people as views

app_name = "people"
urlpatterns = [
    path("", views.participants, name="list"),
    path("new/", views.participant_create, name="create"),
    path("me/letters/", views.my_email_settings, name="email_settings"),
    path("<int:pk>/", views.participant_detail, name="detail"),
    path("<int:pk>/edit/", views.participant_edit, name="edit"),
    path("<int:pk>/deactivate/", views.participant_deactivate_view, name="deactivate"),
    path("<int:pk>/reactivate/", views.participant_reactivate_view, name="reactivate"),
    path("<int:pk>/data.json", views.participant_data, {"fmt": "json"}, name="data_json"),
    path("<int:pk>/data.xlsx", views.participant_data, {"fmt": "xlsx"}, name="data_xlsx"),
    path("<int:pk>/anonymise/", views.participant_anonymise_view, name="anonymise"),
]
