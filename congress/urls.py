from django.urls import path

from members.modules import module_home

app_name = "congress"
urlpatterns = [
    path("", module_home("congress"), name="index"),
]
