from django.urls import path

from tandem.pairs import views

app_name = "pairs"
urlpatterns = [
    path("", views.pair_list, name="list"),
    path("formation/", views.formation, name="formation"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/rule/", views.rule, name="rule"),
    path("runs/<int:pk>/rerun/", views.rerun, name="rerun"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("runs/<int:pk>/manual/", views.manual, name="manual"),
    path("<int:pk>/", views.detail, name="detail"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/docx/", views.order_docx, name="order_docx"),
]
