from django.urls import path

from members.modules import module_home

app_name = "activities"
urlpatterns = [
    path("", module_home("activities"), name="index"),
]
