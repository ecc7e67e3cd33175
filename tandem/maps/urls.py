from django.urls import path

from tandem.maps import library_views, views

app_name = "maps"
urlpatterns = [
    path("<int:pair_pk>/", views.detail, name="detail"),
    path("<int:pair_pk>/rows/new/", views.row_add, name="row_add"),
    path("<int:pair_pk>/status/", views.status, name="status"),
    path("<int:pair_pk>/meetings/new/", views.meeting_add, name="meeting_add"),
    path("<int:pair_pk>/calendar.ics", views.calendar, name="calendar"),
    path("<int:pair_pk>/reflection/", views.reflection, name="reflection"),
    path("<int:pair_pk>/map.docx", views.document, {"fmt": "docx"}, name="docx"),
    path("<int:pair_pk>/map.pdf", views.document, {"fmt": "pdf"}, name="pdf"),
    path("rows/<int:pk>/", views.row_edit, name="row_edit"),
    path("rows/<int:pk>/delete/", views.row_delete, name="row_delete"),
    path("rows/restore/<int:map_pk>/", views.row_restore, name="row_restore"),
    path("rows/<int:pk>/resources/", views.row_resource, name="row_resource"),
    path("rows/<int:pk>/done/", views.row_done, name="row_done"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("rows/<int:pk>/swap/", library_views.row_swap, name="row_swap"),
    path("rows/<int:pk>/to-library/", library_views.row_to_library, name="row_to_library"),
    path("library/", library_views.library_page, name="library"),
    path("library/new/", library_views.template_new, name="template_new"),
    path("library/<int:pk>/", library_views.template_edit, name="template_edit"),
    path("library/<int:pk>/toggle/", library_views.template_toggle, name="template_toggle"),
    path("library/export.xlsx", library_views.library_export, name="library_export"),
    path("library/import/", library_views.library_import, name="library_import"),
    path("runs/<int:pk>/approve/", views.pair_approve, name="pair_approve"),
    path("pairs/<int:pk>/confirm/", views.pair_confirm, name="pair_confirm"),
    path("pairs/<int:pk>/decline/", views.pair_decline, name="pair_decline"),
]
