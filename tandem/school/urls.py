from django.urls import path

from tandem.school import views

app_name = "school"
urlpatterns = [
    path("", views.events, name="events"),
    path("new/", views.event_create, name="event_create"),
    path("<int:pk>/", views.event, name="event"),
    path("<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/certificates/", views.certificates_issue, name="certificates_issue"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("registrations/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("registrations/<int:pk>/attendance/", views.attendance_mark, name="attendance_mark"),
    path("registrations/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/restore/", views.certificate_restore,
         name="certificate_restore"),
    path("materials/<int:pk>/", views.material, name="material"),
    path("materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify, name="verify_code"),
]
