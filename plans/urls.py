from django.urls import path

from members.modules import module_home

app_name = "plans"
urlpatterns = [
    path("", module_home("plans"), name="index"),
]
