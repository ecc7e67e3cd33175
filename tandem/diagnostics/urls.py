from django.urls import path

from tandem.diagnostics import views
from tandem.web.converters import register_choice

register_choice("chartfmt", "svg", "png", "html")

app_name = "diagnostics"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/map/", views.campaign_map, name="map"),
    path("<int:pk>/remind/", views.campaign_remind, name="remind"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/reopen/", views.campaign_reopen, name="campaign_reopen"),
    path("<int:pk>/import/", views.results_import, name="import"),
    path("<int:pk>/import/<int:upload_pk>/commit/", views.results_import_commit,
         name="import_commit"),
    path("my/", views.my_questionnaires, name="mine"),
    path("q/<int:pk>/", views.questionnaire, name="questionnaire"),
    path("q/<int:pk>/autosave/", views.questionnaire_autosave, name="autosave"),
    path("q/<int:pk>/reopen/", views.questionnaire_reopen, name="reopen"),
    path("q/<int:pk>/expert/", views.expert_assessment, name="expert"),
    path("q/<int:pk>/profile/", views.profile, name="profile"),
    path("q/<int:pk>/radar.<chartfmt:fmt>", views.profile_radar, name="radar"),
    path("framework/", views.framework, name="framework"),
    path("framework/new/", views.competency_edit, name="competency_create"),
    path("framework/<int:pk>/edit/", views.competency_edit, name="competency_edit"),
    path("framework/publish/", views.framework_publish, name="publish"),
]
