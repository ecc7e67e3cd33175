from django.urls import path

from tandem.reminders import views

app_name = "reminders"
urlpatterns = [
    path("pairs/<int:pk>/send/", views.send_now, name="send_now"),
]
