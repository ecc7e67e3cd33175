from django.urls import path

from tandem.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.answer, name="answer"),
    path("results/", views.results, name="results"),
]
