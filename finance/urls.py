from django.urls import path

from members.modules import module_home

app_name = "finance"
urlpatterns = [
    path("", module_home("finance"), name="index"),
]
