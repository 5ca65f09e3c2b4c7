from django.urls import path

from members.modules import module_home

app_name = "welfare"
urlpatterns = [
    path("", module_home("welfare"), name="index"),
]
